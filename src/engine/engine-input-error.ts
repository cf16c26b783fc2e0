import { IdeasteerError } from "../core/index.js";
/** A batch or weight set that does not fit the model (a caller's mistake, reported with the sizes involved). */
export class EngineInputError extends IdeasteerError {
  constructor(message: string) {
    super("E_ENGINE_INPUT", message);
  }
}
