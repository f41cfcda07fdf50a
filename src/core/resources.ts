// What this run created and has not yet removed. Cleanup acts on exactly this, so the tool never
// touches an object it did not create.

import { RequestFailure } from './model.js';

export type ObjectState = 'pending' | 'created' | 'uncertain';

export class Resources {
  private readonly objects = new Map<string, ObjectState>();
  private readonly uploads = new Map<string, string>();

  pending(key: string): void {
    this.objects.set(key, 'pending');
  }
  created(key: string): void {
    this.objects.set(key, 'created');
  }
  /**
   * A create failed. A denial, or a refusal such as 412 (the key existed: not ours), on the first
   * attempt means nothing was written. Any other failure (timeout, dropped connection), and any answer
   * after retries, leaves it uncertain: an earlier attempt whose answer was lost may have written the
   * key (the retry then meets it: 412 on If-None-Match).
   */
  failedCreate(key: string, err: unknown): void {
    const answered = err instanceof RequestFailure && err.retries === 0 && err.denial.httpStatus !== null && err.denial.httpStatus < 500;
    if (answered) this.objects.delete(key);
    else this.objects.set(key, 'uncertain');
  }
  deleted(key: string): void {
    this.objects.delete(key);
  }
  isCreated(key: string): boolean {
    return this.objects.get(key) === 'created';
  }
  uploadStarted(key: string, uploadId: string): void {
    this.uploads.set(uploadId, key);
  }
  uploadEnded(uploadId: string): void {
    this.uploads.delete(uploadId);
  }
  /** Objects to delete in cleanup, with whether they surely exist. */
  remainingObjects(): { key: string; state: ObjectState }[] {
    return [...this.objects].map(([key, state]) => ({ key, state }));
  }
  remainingUploads(): { key: string; uploadId: string }[] {
    return [...this.uploads].map(([uploadId, key]) => ({ key, uploadId }));
  }
}
