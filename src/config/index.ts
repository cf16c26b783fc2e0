export {
  configFields,
  envValues,
  type FlagValues,
  type LoadConfigOptions,
  loadConfig,
  resolveHome,
} from "./load-config.js";
export {
  Config,
  DatasetsConfig,
  DigestConfig,
  JudgeConfig,
  LibraryConfig,
  LlmConfig,
  LogConfig,
  ServerConfig,
} from "./schema.js";
export { defaultSharedDataDir } from "./shared-data-dir.js";
