// Errors of the run store that callers tell apart.
export class RunNotFoundError extends Error {
  constructor(
    readonly runId: string,
    workspace: string,
  ) {
    super(`run "${runId}" not found in ${workspace}`);
    this.name = 'RunNotFoundError';
  }
}

/** The run folder exists but its run.json is missing, unreadable or invalid. */
export class RunRecordError extends Error {
  constructor(
    readonly runId: string,
    message: string,
  ) {
    super(message);
    this.name = 'RunRecordError';
  }
}

/** The run folder is a symbolic link: its files would be written and served outside the workspace. */
export function symlinkedRunMessage(name: string): string {
  return `"${name}" is a symbolic link, not a run folder: move the run folder itself into runs/, or delete the link`;
}
