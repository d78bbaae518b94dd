export { ROLES, isRole, type Role } from './role';
export type { Principal } from './principal';
export { ACTIONS, type Action } from './action';
export { can, agentsOutside, type Resource } from './can';
export { authorize } from './authorize';
export { chainAuthenticators, type Authenticator } from './authenticator';
export { adminKeyAuthenticator } from './admin-key-authenticator';
export { openAuthenticator } from './open-authenticator';
export { credentialOf, type RequestHeaders } from './credential-of';
