import { extractIdeaOffline } from "../datasets/index.js";
import { renderIdea } from "../idea/index.js";

/**
 * A paper's title and abstract laid out as an idea (DESIGN §1), exactly as `data build` lays out
 * the reward-model rows of papers without a full text, so scoring an abstract reads what training read.
 * @example abstractAsIdea("Sparse Attention", "We study ...") // "Title: Sparse Attention\nMethod: We study ...\nExperiment Plan:\n- ..."
 */
export const abstractAsIdea = (title: string, abstract: string): string =>
  renderIdea(extractIdeaOffline({ id: "", title, abstract, method: null, experiments: null }).idea);
