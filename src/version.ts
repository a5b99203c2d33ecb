/** flowc's version, recorded in every artifact. Kept in step with package.json by a test. */
export const FLOWC_VERSION = '0.1.0';
