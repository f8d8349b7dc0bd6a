// The contract owns the error type, so the page can show the same errors as the server.
export { InputError } from './contract/errors.js';
