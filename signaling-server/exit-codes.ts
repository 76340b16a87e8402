/** Exit status of the server process when a setting is bad, so a supervisor can tell it from a crash. */
export const EXIT_BAD_CONFIG = 2;
/** Exit status when the server could not listen (port in use, address not here, no permission). */
export const EXIT_CANNOT_LISTEN = 1;
