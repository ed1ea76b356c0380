export { SseChatDecoder, type SseChatDecoderOptions } from "./minitoolai_sse.js";
export { MiniToolAIError, type MiniToolAIErrorKind } from "./index.js";
