/** The cards a turn shows: reads, findings, plans (dry-run, insert cell, copy kubectl), investigations. */

import React from 'react';

import type { IRead } from './chatState';
import { canDryRun, diffText, dryRunSummary, needsInputs, type IPlanCard } from './planCard';
import type { FindingWire, InvestigationMessage } from './wire';

/** What the agent read, collapsed: the tool, its arguments and (expanded) what it returned. */
export function Reads(props: { reads: IRead[] }): JSX.Element | null {
  if (!props.reads.length) {
    return null;
  }
  return (
    <details className="jp-KubeWorkbench-reads">
      <summary>
        Read {props.reads.length} thing{props.reads.length === 1 ? '' : 's'}:{' '}
        {props.reads.map(r => r.name).join(', ')}
      </summary>
      {props.reads.map(read => (
        <details key={read.callId} className="jp-KubeWorkbench-read" data-tool={read.name}>
          <summary>
            <code>
              {read.name}({argsText(read.args)})
            </code>
            {!read.result && <span className="jp-KubeWorkbench-muted"> reading…</span>}
            {read.result?.error && <span className="jp-KubeWorkbench-bad"> failed</span>}
          </summary>
          {read.result && (
            <pre className="jp-KubeWorkbench-pre">
              {read.result.content}
              {read.result.truncated ? '\n… (cut: the agent was told how to ask for more)' : ''}
            </pre>
          )}
        </details>
      ))}
    </details>
  );
}

function argsText(args: { [key: string]: unknown }): string {
  return Object.entries(args)
    .map(([key, value]) => `${key}=${JSON.stringify(value)}`)
    .join(', ');
}

export function SeverityBadge(props: { severity: FindingWire['severity'] }): JSX.Element {
  return (
    <span className={`jp-KubeWorkbench-severity jp-KubeWorkbench-severity-${props.severity}`}>
      {props.severity}
    </span>
  );
}

export function FindingCard(props: { finding: FindingWire; root: boolean }): JSX.Element {
  const { finding } = props;
  return (
    <div className="jp-KubeWorkbench-card jp-KubeWorkbench-finding" data-code={finding.code}>
      <div className="jp-KubeWorkbench-cardHead">
        <SeverityBadge severity={finding.severity} />
        <code>{finding.code}</code>
        {props.root && <span className="jp-KubeWorkbench-tag">root cause</span>}
      </div>
      <div className="jp-KubeWorkbench-cardTitle">{finding.summary}</div>
      {finding.evidence.length > 0 && (
        <details>
          <summary>Evidence ({finding.evidence.length})</summary>
          <ul className="jp-KubeWorkbench-evidence">
            {finding.evidence.map((e, i) => (
              <li key={i}>
                <code>{e.subject}</code>: {e.value}
              </li>
            ))}
          </ul>
          {finding.explanation && <p>{finding.explanation}</p>}
          {finding.docs_url && (
            <a href={finding.docs_url} target="_blank" rel="noopener noreferrer">
              Kubernetes docs
            </a>
          )}
        </details>
      )}
    </div>
  );
}

export interface IPlanActions {
  dryRun(card: IPlanCard): void;
  insertCell(card: IPlanCard): void;
  copyKubectl(card: IPlanCard): void;
}

export function PlanCard(props: { card: IPlanCard; actions: IPlanActions }): JSX.Element {
  const { card, actions } = props;
  const plan = card.message.plan;
  const result = card.dryRun.status === 'done' ? card.dryRun.result : undefined;
  const state = card.dryRun.status === 'done' ? (result?.ok ? 'ok' : 'problems') : card.dryRun.status;
  return (
    <div className="jp-KubeWorkbench-card jp-KubeWorkbench-plan" data-dry-run={state}>
      <div className="jp-KubeWorkbench-cardHead">
        <span className="jp-KubeWorkbench-tag">plan</span>
        <span className="jp-KubeWorkbench-muted">{card.message.digest.slice(0, 19)}…</span>
      </div>
      <div className="jp-KubeWorkbench-cardTitle">{plan.title}</div>
      <ol className="jp-KubeWorkbench-steps">
        {plan.steps.map((step, i) => (
          <li key={i}>
            <code>{step.action}</code> {step.target.kind} {step.target.namespace}/{step.target.name}
            {step.title && <div className="jp-KubeWorkbench-muted">{step.title}</div>}
          </li>
        ))}
      </ol>
      {plan.notes.map((note, i) => (
        <p key={i} className="jp-KubeWorkbench-note">
          {note}
        </p>
      ))}
      {needsInputs(card) && (
        <div className="jp-KubeWorkbench-inputs">
          <p className="jp-KubeWorkbench-note">
            Needs values only you can give (insert the cell and fill them in; nothing here is guessed):
          </p>
          <ul>
            {plan.inputs.map(item => (
              <li key={item.name}>
                <code>{item.name}</code>: {item.prompt}
                {item.suggestion && <span className="jp-KubeWorkbench-muted"> (suggestion: {item.suggestion})</span>}
              </li>
            ))}
          </ul>
        </div>
      )}
      <div className="jp-KubeWorkbench-buttons">
        <button
          className="jp-mod-styled jp-mod-accept jp-KubeWorkbench-dryRun"
          disabled={!canDryRun(card)}
          onClick={() => actions.dryRun(card)}
          title={
            needsInputs(card)
              ? 'The plan needs values first: insert its cell and fill them in there'
              : 'Ask the API server to run every step with dryRun=All: nothing changes'
          }
        >
          {card.dryRun.status === 'running' ? 'Dry-running…' : 'Dry-run'}
        </button>
        <button
          className="jp-mod-styled jp-KubeWorkbench-insert"
          onClick={() => actions.insertCell(card)}
          title="Insert the plan's cell below the active notebook cell (it is not run)"
        >
          {card.inserted ? 'Inserted ✓ (insert again)' : 'Insert cell below'}
        </button>
        <button
          className="jp-mod-styled jp-KubeWorkbench-copy"
          onClick={() => actions.copyKubectl(card)}
          title={card.message.kubectl.join('\n')}
        >
          {card.copied ? 'Copied ✓' : 'Copy kubectl'}
        </button>
      </div>
      <div className={`jp-KubeWorkbench-dryRunSummary jp-KubeWorkbench-${state}`}>{dryRunSummary(card)}</div>
      {result && (
        <>
          {result.problems.length > 0 && (
            <ul className="jp-KubeWorkbench-problems">
              {result.problems.map((p, i) => (
                <li key={i}>{p}</li>
              ))}
            </ul>
          )}
          {result.blast_radius.length > 0 && (
            <div className="jp-KubeWorkbench-muted">Restarts: {result.blast_radius.join(', ')}</div>
          )}
          <pre className="jp-KubeWorkbench-pre jp-KubeWorkbench-diff">
            {diffText(result)
              .split('\n')
              .map((line, i) => (
                <div key={i} className={diffClass(line)}>
                  {line || ' '}
                </div>
              ))}
          </pre>
        </>
      )}
    </div>
  );
}

function diffClass(line: string): string {
  if (line.startsWith('+++') || line.startsWith('---')) {
    return 'jp-KubeWorkbench-diffFile';
  }
  if (line.startsWith('+')) {
    return 'jp-KubeWorkbench-diffAdd';
  }
  if (line.startsWith('-')) {
    return 'jp-KubeWorkbench-diffDel';
  }
  return line.startsWith('@@') ? 'jp-KubeWorkbench-diffHunk' : '';
}

export function InvestigationCard(props: { investigation: InvestigationMessage }): JSX.Element {
  const { investigation } = props;
  return (
    <div className="jp-KubeWorkbench-card jp-KubeWorkbench-investigation">
      <div className="jp-KubeWorkbench-cardHead">
        <span className="jp-KubeWorkbench-tag">investigate</span>
      </div>
      <div className="jp-KubeWorkbench-cardTitle">{investigation.title}</div>
      <ol>
        {investigation.checks.map((check, i) => (
          <li key={i}>{check}</li>
        ))}
      </ol>
      {investigation.commands.length > 0 && (
        <pre className="jp-KubeWorkbench-pre">{investigation.commands.map(c => `$ ${c}`).join('\n')}</pre>
      )}
    </div>
  );
}
