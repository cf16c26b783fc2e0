// What an idea is (DESIGN §1): the type, the three dimensions and the user's weights, render / parse / loose parse / repair.
export { DIMENSIONS, type Dimension, type Scores } from "./dimensions.js";
export {
  EXPERIMENT_PLAN_LABEL,
  ExperimentPlan,
  getIdeaField,
  IDEA_FIELDS,
  IDEA_LABELS,
  Idea,
  type IdeaFieldPath,
  ideaFromFields,
  ideaJsonSchema,
  isCompleteIdea,
  parseIdea,
  renderIdea,
} from "./idea.js";
export {
  completeIdea,
  type LooseParse,
  type PartialIdea,
  parseIdeaLoose,
  readWholeIdea,
  repairIdea,
} from "./parse-idea-loose.js";
export { centredSum, EQUAL_WEIGHTS, normaliseWeights, sampleWeights, weightedSum, weightsFrom } from "./weights.js";
