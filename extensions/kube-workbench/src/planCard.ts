/**
 * The state of one plan card: the proposed plan, its server-side dry run, and what the user did with it.
 *
 * Plain data and pure functions (no JupyterLab, no DOM), so the card's behaviour is unit-tested.
 * The card can dry-run the plan (nothing changes), insert its cell into the notebook (not run) and
 * copy the equivalent kubectl commands; applying happens in the notebook, after approval there.
 */

import type { DryRunMessage, DryRunRequest, PlanMessage } from './wire';

/** Where the card's dry run is. */
export type DryRunStatus = 'idle' | 'running' | 'done' | 'failed';

export interface IDryRunState {
  status: DryRunStatus;
  /** The server's answer once done. */
  result?: DryRunMessage;
  /** Why it could not be dry-run (the server's message), once failed. */
  error?: string;
}

export interface IPlanCard {
  message: PlanMessage;
  dryRun: IDryRunState;
  /** How many times the plan's cell was inserted into a notebook. */
  inserted: number;
  copied: boolean;
}

/** A new card for a proposed plan. */
export function newPlanCard(message: PlanMessage): IPlanCard {
  return { message, dryRun: { status: 'idle' }, inserted: 0, copied: false };
}

/** Whether the plan still needs values from a person (they are given in its cell, with `plan.fill`). */
export function needsInputs(card: IPlanCard): boolean {
  return card.message.plan.inputs.length > 0;
}

/** Whether the Dry-run button is enabled: one dry run at a time, and only once nothing is missing. */
export function canDryRun(card: IPlanCard): boolean {
  return card.dryRun.status !== 'running' && !needsInputs(card);
}

/** The card with a dry run under way (unchanged when one already is). */
export function startDryRun(card: IPlanCard): IPlanCard {
  if (!canDryRun(card)) {
    return card;
  }
  return { ...card, dryRun: { status: 'running' } };
}

/** The body of ``POST /api/workbench/plans/dry-run`` for this card. */
export function dryRunRequest(card: IPlanCard): DryRunRequest {
  return { plan: card.message.plan };
}

/**
 * The card with the server's dry run; an answer for another plan (another digest) is refused,
 * because the diff shown must be the diff of the plan on the card.
 */
export function dryRunDone(card: IPlanCard, result: DryRunMessage): IPlanCard {
  if (result.digest !== card.message.digest) {
    return dryRunFailed(
      card,
      `the dry run was of plan ${result.digest.slice(0, 19)}…, not of this one (${card.message.digest.slice(0, 19)}…); dry-run again`
    );
  }
  return { ...card, dryRun: { status: 'done', result } };
}

/** The card with a dry run that could not be made. */
export function dryRunFailed(card: IPlanCard, error: string): IPlanCard {
  return { ...card, dryRun: { status: 'failed', error } };
}

/** The card after its cell was inserted into the notebook (never run by the panel). */
export function markInserted(card: IPlanCard): IPlanCard {
  return { ...card, inserted: card.inserted + 1 };
}

/** The card after its kubectl commands were copied. */
export function markCopied(card: IPlanCard): IPlanCard {
  return { ...card, copied: true };
}

/** The kubectl commands, one a line, as they are copied. */
export function kubectlText(card: IPlanCard): string {
  return card.message.kubectl.join('\n');
}

/** The whole diff of a dry run, step after step. */
export function diffText(result: DryRunMessage): string {
  return result.steps
    .map(step => step.diff)
    .filter(diff => diff.length > 0)
    .join('\n');
}

/** One line saying what the dry run found. */
export function dryRunSummary(card: IPlanCard): string {
  const { status, result, error } = card.dryRun;
  switch (status) {
    case 'idle':
      return 'Not dry-run yet: the server can preview it without changing anything.';
    case 'running':
      return 'Dry-running on the server (dryRun=All; nothing changes)…';
    case 'failed':
      return `The dry run could not be made: ${error ?? 'no reason given'}`;
    case 'done': {
      if (!result) {
        return 'The dry run returned nothing.';
      }
      const steps = `${result.steps.length} step${result.steps.length === 1 ? '' : 's'}`;
      const pods = result.blast_radius.length;
      const restarts = pods ? `, ${pods} pod${pods === 1 ? '' : 's'} restart` : ', no pod restarts';
      if (result.ok) {
        return `Dry run OK: ${steps}${restarts}. Insert the cell, read the diff there, approve and run it to apply.`;
      }
      const n = result.problems.length;
      return `The dry run found ${n} problem${n === 1 ? '' : 's'}: this plan cannot be applied as it is.`;
    }
  }
}
