export * from "./minitoolai.js";
export { default } from "./minitoolai.js";
