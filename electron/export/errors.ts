// Errors of a figure-bundle export, worded for whoever asked: the same check
// tells a terminal user to pass --force and an app user to tick "replace it".

/** A problem with the request: nothing was written. The message is one line naming the run, figure or path and the fix. */
export class ExportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExportError';
  }
}

export class ExportCancelledError extends Error {
  constructor() {
    super('export cancelled: nothing was written');
    this.name = 'AbortError';
  }
}

/** The fixes an error message suggests, in the words of the CLI or the app. */
export interface ExportWords {
  /** How to give the target when none was given. */
  giveTarget: string;
  /** How to pick a different target. */
  chooseAnother: string;
  /** How to replace an existing bundle. */
  replace: string;
  /** How to name runs when none was given. */
  giveRuns: string;
  /** What to do about a run id that is not in the workspace. */
  findRun: (workspace: string) => string;
}

export const CLI_WORDS: ExportWords = {
  giveTarget: 'use --out <folder> or --out <file.zip>',
  chooseAnother: 'choose another --out',
  replace: 'pass --force to replace it',
  giveRuns: 'name one or more run ids (see racecar runs)',
  findRun: (ws) => `list the run ids with racecar runs --workspace ${ws}`,
};

export const APP_WORDS: ExportWords = {
  giveTarget: 'give a folder or a file ending in .zip as the target',
  chooseAnother: 'choose another target',
  replace: 'tick "replace it if it exists" to replace it',
  giveRuns: 'select one or more runs in the runs list',
  findRun: () => 'it may have been deleted: select the runs again in the runs list',
};

export const EXPORT_WORDS = { cli: CLI_WORDS, app: APP_WORDS } as const;
export type ExportWording = keyof typeof EXPORT_WORDS;
