// web/: the review queue in a browser. What the rest of bidui (cli/) and the tests use; every
// other module of the folder is private to it.
export { createApp, type AppOptions } from './app.js';
export { startServer, type ServeOptions } from './server.js';
export { registerWebCommands } from './cli.js';
export { demoReviewQueue, DEMO_USERS, type DemoWebOptions } from './demo.js';
export { addUser, listUsers, type AddUserInput } from './auth.js';
export { ROLES, DEFAULT_ROLE_SETTINGS, type Role, type RoleSettings, type User } from './roles.js';
export { RESTRICTED } from './privacy.js';
