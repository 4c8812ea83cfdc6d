// web/: the review queue in a browser. What the rest of bidui (cli/) and the tests use; every
// other module of the folder is private to it.
export { createApp, type AppOptions } from './app.js';
export { startServer, type ServeOptions } from './server.js';
export { registerWebCommands } from './cli.js';
export { demoReviewQueue, type DemoWebOptions } from './demo.js';
export { addUser, type AddUserInput } from './auth.js';
export type { Role, RoleSettings, User } from './roles.js';
export { RESTRICTED } from './privacy.js';
