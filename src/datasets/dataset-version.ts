import { DATASET_BUILDER_REVISION, DATASET_FORMAT_VERSION, type DatasetCard } from "./dataset-card.js";
import { sha256Text } from "./hash-file.js";

/**
 * `v<format>-<12 hex digits>`: a hash of the options, the builder revision and the inputs' hashes,
 * so the same build lands in the same folder and any change that alters the files gets a new one.
 */
export function datasetVersion(opts: { options: DatasetCard["options"]; inputs: DatasetCard["inputs"] }): string {
  const identity = {
    options: opts.options,
    builder: DATASET_BUILDER_REVISION,
    inputs: opts.inputs.map((i) => i.sha256),
  };
  return `v${DATASET_FORMAT_VERSION}-${sha256Text(JSON.stringify(identity)).slice(0, 12)}`;
}
