import { UserError } from '../errors';

export type RepoType = 'model' | 'dataset';
export interface RepoRef { type: RepoType; id: string; revision: string }

/** One part of an id: Hub charset, starting and ending with a letter, digit or '_' (Python's \b...\b). */
const PART = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?$/;
const MAX_NAME = 96;

function idProblem(id: string): string | undefined {
  if (!id) return 'it is empty';
  const parts = id.split('/');
  if (parts.length > 2) return "it has more than one '/' (write 'name' or 'org/name')";
  if (parts.some((p) => !PART.test(p))) return "only letters, digits, '-', '_' and '.' are allowed, and each part must start and end with a letter or digit";
  // '--' is the separator of cache folder names (models--org--name), so the Hub forbids it.
  if (id.includes('--') || id.includes('..')) return "'--' and '..' are not allowed";
  if (parts[parts.length - 1].length > MAX_NAME) return `the name is longer than ${MAX_NAME} characters`;
  if (id.endsWith('.git')) return "it ends with '.git'";
  return undefined;
}

/** A branch, tag, `refs/pr/N` or commit; it names a file under refs/, so it may not climb out. */
function revisionProblem(rev: string): string | undefined {
  if (!rev) return 'it is empty';
  if (rev.includes('\\') || rev.split('/').some((s) => s === '' || s === '.' || s === '..')) return "it must be a branch, tag, 'refs/pr/N' or commit without empty, '.' or '..' parts";
  if ([...rev].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) return 'it contains control characters';
  return undefined;
}

/** Validates a repo id ('name' or 'org/name', Hub charset rules, no '..', max 96 chars); UserError naming `key` otherwise. revision defaults to 'main'. */
export function repoRef(type: RepoType, id: string, revision = 'main', key = type === 'model' ? 'model' : 'dataset'): RepoRef {
  const bad = idProblem(id);
  if (bad) throw new UserError(`${key}: '${id}' is not a Hugging Face ${type} id: ${bad}. Write it as on its Hub page, e.g. 'textattack/bert-base-uncased-MNLI'.`);
  const badRev = revisionProblem(revision);
  if (badRev) throw new UserError(`${key}: revision '${revision}' of ${type} ${id} is not valid: ${badRev}.`);
  return { type, id, revision };
}

/** The cache folder of a repo, as huggingface_hub names it: models--org--name / datasets--org--name. */
export function repoFolderName(ref: RepoRef): string {
  return [`${ref.type}s`, ...ref.id.split('/')].join('--');
}

/** e.g. "model textattack/bert-base-uncased-MNLI@main", for messages. */
export function describeRepo(ref: RepoRef): string {
  return `${ref.type} ${ref.id}@${ref.revision}`;
}

/** A full 40-hex commit sha: such a revision never moves, so a cached copy of it is final. */
export function isCommit(revision: string): boolean {
  return /^[0-9a-f]{40}$/.test(revision);
}
