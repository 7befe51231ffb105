/** Every demo person's password (README, "Using Hostly"): a demo, not a secret. Apart from seed.ts so that the command line's help can say it without loading the seeding. */
export const DEMO_PASSWORD = 'try-hostly-demo'
