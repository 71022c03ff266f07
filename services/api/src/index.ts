/** @concord/api: the Concord HTTP service. `buildApp` never listens; `startServer` (./server) does. */
export { type AppContext, type AppOptions, buildApp, defaultDataDir } from './app.ts';
export { API_ERRORS, ApiError, errorBody, STATUS_BY_CODE, statusFor } from './errors.ts';
export { type ApiKeyInfo, ApiKeyStore, type CreatedApiKey } from './store/api-keys.ts';
export { type Db, openDatabase } from './store/database.ts';
export { ScoreStore, type StoredScore } from './store/scores.ts';
