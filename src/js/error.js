// The one piece of the package written in JavaScript: an Error subclass, so that
// `instanceof Error` and `instanceof MiniToolAIError` both hold. The Rust side
// (src/js/error.rs) decides every field; this class only holds them.
export class MiniToolAIError extends Error {
  constructor(kind, message, details) {
    super(message);
    const d = details ?? {};
    this.name = "MiniToolAIError";
    this.kind = kind;
    this.status = d.status;
    this.field = d.field;
    this.retryAfterMs = d.retryAfterMs;
    this.partialText = d.partialText;
  }
}
