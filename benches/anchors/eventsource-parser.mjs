// Anchor for benchmark 5: eventsource-parser's parser, as an app would import it.
export { createParser } from "eventsource-parser";
