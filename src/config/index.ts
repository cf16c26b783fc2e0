export {
  configFields,
  envValues,
  type FlagValues,
  type LoadConfigOptions,
  loadConfig,
  resolveHome,
} from "./load-config.js";
export { Config, LibraryConfig, LlmConfig, LogConfig } from "./schema.js";
