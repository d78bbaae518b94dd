// The error family lives in @baton/core; re-exported so existing `@baton/runtime` imports keep working.
export { BatonError } from '@baton/core';
