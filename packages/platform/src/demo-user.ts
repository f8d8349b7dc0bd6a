/**
 * The demo user the todo API seeds: the Swagger example credentials, public on purpose. The load
 * generator's presets, the portal's scenarios and the launcher's start line log in with it.
 */
export const DEMO_USER = { email: 'user@example.com', password: 'verysecret' } as const;
