// The command line's door: the program, for tests and for embedding ideasteer's CLI in-process.
export { buildProgram, main } from "./main.js";
