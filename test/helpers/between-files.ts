import nock from 'nock';
import { afterAll } from 'vitest';

// Test files share their worker process (vitest `isolate: false`): modules load once per worker instead of
// once per file, which halves the suite's wall time. What a file leaves in process-wide state would reach the
// next file in the same worker, so each file's end puts that state back as a fresh process has it.
//
// nock is the one such state the suite shares: interceptors a file declared and did not use, and
// `disableNetConnect()`, would make the next file's requests fail or its "no pending mocks" checks see
// another file's mocks.
afterAll(() => {
  nock.abortPendingRequests();
  nock.cleanAll();
  nock.enableNetConnect();
});
