// The paper digest (`ideasteer digest`): saved searches, the papers new to each, ideas for them, one email per
// subscriber through SMTP, a send ledger that never mails twice, and the unsubscribe token.

export {
  composeDigestEmail,
  type DigestEmail,
  type DigestIdea,
  type DigestPaper,
  escapeHtml,
  paperLink,
} from "./compose-email.js";
export {
  type ClaimRefusal,
  DIGEST_SCHEMA_VERSION,
  DigestStore,
  SEND_STATUSES,
  type Send,
  type SendStatus,
} from "./digest-store.js";
export { type NewPaper, NewPaperFinder, type NewPaperMatches } from "./new-paper-finder.js";
export { type DigestReport, type DigestRunOptions, type GenerateIdeas, type Outcome, runDigest } from "./run-digest.js";
export {
  isSurelyUndelivered,
  type OutgoingEmail,
  openSmtpSender,
  type SendEmail,
  type SmtpOptions,
} from "./send-email.js";
export {
  checkSubscriptionFields,
  MAX_EMAIL_CHARS,
  MAX_QUERY_CHARS,
  type NewSubscription,
  newUnsubscribeToken,
  type Subscription,
  SubscriptionFields,
  UNSUBSCRIBE_TOKEN,
} from "./subscription.js";
