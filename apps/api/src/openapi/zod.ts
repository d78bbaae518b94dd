import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

// `.openapi('Name')` (a named component of the document) exists once zod is extended.
extendZodWithOpenApi(z);

export { z };
