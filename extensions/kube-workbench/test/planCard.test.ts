import { describe, expect, it } from 'vitest';

import {
  canDryRun,
  diffText,
  dryRunDone,
  dryRunFailed,
  dryRunRequest,
  dryRunSummary,
  kubectlText,
  markCopied,
  markInserted,
  needsInputs,
  newPlanCard,
  startDryRun
} from '../src/planCard';
import { DIGEST, dryRunMessage, planMessage } from './fixtures';

describe('a plan card', () => {
  it('starts not dry-run, not inserted, not copied', () => {
    const card = newPlanCard(planMessage());
    expect(card.dryRun).toEqual({ status: 'idle' });
    expect(card.inserted).toBe(0);
    expect(card.copied).toBe(false);
    expect(canDryRun(card)).toBe(true);
    expect(dryRunSummary(card)).toMatch(/^Not dry-run yet/);
  });

  it('sends the plan it shows to the dry-run route', () => {
    const message = planMessage();
    expect(dryRunRequest(newPlanCard(message))).toEqual({ plan: message.plan });
  });

  it('runs one dry run at a time', () => {
    const running = startDryRun(newPlanCard(planMessage()));
    expect(running.dryRun.status).toBe('running');
    expect(canDryRun(running)).toBe(false);
    expect(startDryRun(running)).toBe(running);
    expect(dryRunSummary(running)).toMatch(/nothing changes/);
  });

  it('cannot be dry-run while the plan needs values from a person', () => {
    const message = planMessage();
    message.plan.inputs = [{ name: 'tag', prompt: 'a tag the registry has', suggestion: '2.14.1' }];
    const card = newPlanCard(message);
    expect(needsInputs(card)).toBe(true);
    expect(canDryRun(card)).toBe(false);
    expect(needsInputs(newPlanCard(planMessage()))).toBe(false);
  });

  it('shows the diff, the pods that restart and says how to apply when the dry run is ok', () => {
    const done = dryRunDone(startDryRun(newPlanCard(planMessage())), dryRunMessage());
    expect(done.dryRun.status).toBe('done');
    expect(canDryRun(done)).toBe(true); // it may be dry-run again
    expect(diffText(done.dryRun.result!)).toContain('+- name: DATABASE_URL');
    expect(dryRunSummary(done)).toBe(
      'Dry run OK: 1 step, 2 pods restart. Insert the cell, read the diff there, approve and run it to apply.'
    );
  });

  it('says the plan cannot be applied when the dry run found problems', () => {
    const done = dryRunDone(newPlanCard(planMessage()), dryRunMessage(DIGEST, false));
    expect(dryRunSummary(done)).toBe('The dry run found 1 problem: this plan cannot be applied as it is.');
  });

  it('refuses a dry run of another plan', () => {
    const other = dryRunMessage('sha256:ffff000000000000000000000000000000000000000000000000000000000000');
    const card = dryRunDone(startDryRun(newPlanCard(planMessage())), other);
    expect(card.dryRun.status).toBe('failed');
    expect(card.dryRun.result).toBeUndefined();
    expect(card.dryRun.error).toMatch(/not of this one/);
  });

  it('shows why a dry run could not be made and lets the user try again', () => {
    const card = dryRunFailed(startDryRun(newPlanCard(planMessage())), 'the cluster cannot be reached');
    expect(dryRunSummary(card)).toBe('The dry run could not be made: the cluster cannot be reached');
    expect(canDryRun(card)).toBe(true);
  });

  it('counts insertions and remembers a copy, and copies the kubectl commands one a line', () => {
    const message = planMessage();
    message.kubectl = ['kubectl scale deployment/a --replicas=2', 'kubectl rollout status deployment/a'];
    let card = newPlanCard(message);
    card = markInserted(markInserted(card));
    expect(card.inserted).toBe(2);
    expect(markCopied(card).copied).toBe(true);
    expect(kubectlText(card)).toBe('kubectl scale deployment/a --replicas=2\nkubectl rollout status deployment/a');
  });

  it('never changes the card it was given', () => {
    const card = newPlanCard(planMessage());
    const frozen = JSON.stringify(card);
    startDryRun(card);
    markInserted(card);
    markCopied(card);
    dryRunDone(card, dryRunMessage());
    expect(JSON.stringify(card)).toBe(frozen);
  });
});
