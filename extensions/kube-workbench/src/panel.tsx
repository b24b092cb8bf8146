/** The "Kubernetes" side panel: context picker and health badge, clear states, the chat. */

import type { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { ReactWidget, UseSignal } from '@jupyterlab/ui-components';
import React, { useState } from 'react';

import { FindingCard, InvestigationCard, PlanCard, Reads, SeverityBadge, type IPlanActions } from './cards';
import { reads, type ITurn } from './chatState';
import { kubernetesIcon } from './icon';
import { Markdown } from './markdown';
import type { PanelModel } from './model';
import type { StatusMessage } from './wire';

export const PANEL_ID = 'kube-workbench-panel';

export class KubePanel extends ReactWidget {
  constructor(
    readonly model: PanelModel,
    private readonly rendermime: IRenderMimeRegistry
  ) {
    super();
    this.id = PANEL_ID;
    this.addClass('jp-KubeWorkbench');
    this.title.icon = kubernetesIcon;
    this.title.caption = 'Kubernetes';
  }

  render(): JSX.Element {
    return (
      <UseSignal signal={this.model.changed}>
        {() => <PanelView model={this.model} rendermime={this.rendermime} />}
      </UseSignal>
    );
  }

  /** Put the cursor in the question box. */
  focusInput(): void {
    this.node.querySelector<HTMLTextAreaElement>('.jp-KubeWorkbench-input')?.focus();
  }
}

function PanelView(props: { model: PanelModel; rendermime: IRenderMimeRegistry }): JSX.Element {
  const { model } = props;
  return (
    <div className="jp-KubeWorkbench-body">
      <Header model={model} />
      <States model={model} />
      <Turns model={model} rendermime={props.rendermime} />
      <Composer model={model} />
    </div>
  );
}

function Header(props: { model: PanelModel }): JSX.Element {
  const { model } = props;
  const status = model.status;
  return (
    <div className="jp-KubeWorkbench-header">
      <div className="jp-KubeWorkbench-title">Kubernetes</div>
      <select
        className="jp-KubeWorkbench-context"
        aria-label="Kubeconfig context"
        value={status?.current ?? ''}
        disabled={!status?.contexts.length}
        onChange={event => void model.setContext(event.target.value)}
      >
        {!status?.contexts.length && <option value="">no contexts</option>}
        {status?.contexts.map(name => (
          <option key={name} value={name}>
            {name}
          </option>
        ))}
      </select>
      <HealthBadge status={status} loading={model.statusLoading} />
      <button
        className="jp-mod-styled jp-KubeWorkbench-refresh"
        title="Pull the cluster again and re-run the analysis"
        disabled={model.statusLoading}
        onClick={() => void model.refreshStatus(true)}
      >
        ↻
      </button>
    </div>
  );
}

function HealthBadge(props: { status: StatusMessage | null; loading: boolean }): JSX.Element {
  const health = props.status?.health;
  if (props.loading && !health) {
    return <span className="jp-KubeWorkbench-health jp-KubeWorkbench-muted">analysing…</span>;
  }
  if (!health) {
    return <span className="jp-KubeWorkbench-health jp-KubeWorkbench-health-unknown">health unknown</span>;
  }
  const counts = health.counts;
  const parts = (['critical', 'error', 'warning'] as const).filter(s => counts[s] > 0).map(s => `${counts[s]} ${s}`);
  return (
    <span
      className={`jp-KubeWorkbench-health jp-KubeWorkbench-health-${health.worst ?? 'ok'}`}
      title={`${health.findings} findings, analysed ${health.captured_at}`}
    >
      {parts.length ? parts.join(' · ') : 'healthy'}
    </span>
  );
}

/** Agent offline or misconfigured, cluster unreachable, what the credentials cannot do, root causes. */
function States(props: { model: PanelModel }): JSX.Element {
  const { model } = props;
  const { status, chat } = model;
  const agent = status?.agent;
  const denied = status?.access.filter(a => !a.allowed) ?? [];
  return (
    <div className="jp-KubeWorkbench-states">
      {model.statusError && <div className="jp-KubeWorkbench-banner jp-KubeWorkbench-error">{model.statusError}</div>}
      {chat.connection === 'closed' && (
        <div className="jp-KubeWorkbench-banner jp-KubeWorkbench-error">
          The chat lost its connection to the Jupyter server; reconnecting…
        </div>
      )}
      {status && status.connection.state !== 'ok' && (
        <div className="jp-KubeWorkbench-banner jp-KubeWorkbench-error" data-state={status.connection.state}>
          <strong>{connectionTitle(status.connection.state)}</strong> {status.connection.message}
        </div>
      )}
      {status?.contexts_problem && <div className="jp-KubeWorkbench-banner jp-KubeWorkbench-warn">{status.contexts_problem}</div>}
      {status?.health_problem && <div className="jp-KubeWorkbench-banner jp-KubeWorkbench-warn">{status.health_problem}</div>}
      {agent?.state === 'offline' && (
        <div className="jp-KubeWorkbench-banner jp-KubeWorkbench-info" data-state="offline">
          <strong>Agent offline.</strong> No language model is set: the offline assistant answers from the
          analyzers and planners. Set <code>WORKBENCH_MODEL</code> (e.g. <code>openai:gpt-4o-mini</code>) in
          Jupyter's environment, or the model in Settings → Kubernetes Workbench.
        </div>
      )}
      {agent?.state === 'misconfigured' && (
        <div className="jp-KubeWorkbench-banner jp-KubeWorkbench-warn" data-state="misconfigured">
          <strong>The model cannot be used.</strong> {agent.problem}
        </div>
      )}
      {denied.length > 0 && (
        <details className="jp-KubeWorkbench-banner jp-KubeWorkbench-warn" data-state="denied">
          <summary>
            Your credentials cannot {denied.map(a => a.purpose || `${a.verb} ${a.resource}`).join('; ')}.
          </summary>
          <ul>
            {denied.map((a, i) => (
              <li key={i}>
                <code>
                  {a.verb} {a.resource}
                </code>{' '}
                {a.namespace ? `in ${a.namespace}` : 'cluster-wide'}: denied{a.reason ? ` (${a.reason})` : ''}
              </li>
            ))}
          </ul>
        </details>
      )}
      {status?.health && status.health.roots.length > 0 && (
        <details className="jp-KubeWorkbench-roots">
          <summary>
            Root causes ({status.health.roots.length}) <SeverityBadge severity={status.health.roots[0].severity} />
          </summary>
          {status.health.roots.map(root => (
            <FindingCard key={root.id} finding={root} root={true} />
          ))}
        </details>
      )}
    </div>
  );
}

function connectionTitle(state: StatusMessage['connection']['state']): string {
  switch (state) {
    case 'unreachable':
      return 'Cluster unreachable.';
    case 'no_kubeconfig':
      return 'No kubeconfig.';
    case 'credentials':
      return 'Credentials rejected.';
    case 'forbidden':
      return 'Not allowed.';
    default:
      return 'The cluster cannot be read.';
  }
}

function Turns(props: { model: PanelModel; rendermime: IRenderMimeRegistry }): JSX.Element {
  const { model } = props;
  return (
    <div className="jp-KubeWorkbench-turns">
      {model.chat.errors.map((error, i) => (
        <div key={i} className="jp-KubeWorkbench-banner jp-KubeWorkbench-error">
          {error}
        </div>
      ))}
      {model.chat.turns.length === 0 && (
        <div className="jp-KubeWorkbench-empty">
          Ask what is wrong (“what’s wrong in shop?”), why a pod fails, or how to fix it. Attach the active
          cell to ask why it failed; mention a DataFrame as <code>@name</code> to send its columns and summary
          (never its rows).
        </div>
      )}
      {model.chat.turns.map(turn => (
        <TurnView key={turn.id} turn={turn} model={model} rendermime={props.rendermime} />
      ))}
    </div>
  );
}

function TurnView(props: { turn: ITurn; model: PanelModel; rendermime: IRenderMimeRegistry }): JSX.Element {
  const { turn, model } = props;
  const actions: IPlanActions = {
    dryRun: card => void model.dryRun(turn.id, card),
    insertCell: card => model.insertCell(turn.id, card),
    copyKubectl: card => model.copyKubectl(turn.id, card)
  };
  return (
    <div className="jp-KubeWorkbench-turn" data-status={turn.status}>
      <div className="jp-KubeWorkbench-question">
        {turn.question}
        {turn.attached.map(label => (
          <span key={label} className="jp-KubeWorkbench-chip">
            {label}
          </span>
        ))}
      </div>
      <Reads reads={reads(turn)} />
      {turn.items.map((item, i) =>
        item.kind === 'notice' ? (
          <div key={i} className="jp-KubeWorkbench-notice">
            {item.text}
          </div>
        ) : null
      )}
      {turn.answer && (
        <div className="jp-KubeWorkbench-answer" data-final={turn.final}>
          <Markdown rendermime={props.rendermime} text={turn.answer} />
        </div>
      )}
      {/* The cards after the answer that explains them, in the order they came. */}
      {turn.items.map((item, i) => {
        switch (item.kind) {
          case 'finding':
            return <FindingCard key={i} finding={item.finding} root={item.root} />;
          case 'plan':
            return <PlanCard key={i} card={item.card} actions={actions} />;
          case 'investigation':
            return <InvestigationCard key={i} investigation={item.investigation} />;
          default:
            return null;
        }
      })}
      {turn.failed && <div className="jp-KubeWorkbench-banner jp-KubeWorkbench-error">{turn.failed}</div>}
      {turn.errors.map((error, i) => (
        <div key={i} className="jp-KubeWorkbench-banner jp-KubeWorkbench-error">
          {error}
        </div>
      ))}
      {(turn.status === 'waiting' || turn.status === 'streaming') && (
        <div className="jp-KubeWorkbench-muted">
          {turn.status === 'waiting' ? 'Reading the cluster…' : 'Answering…'}
        </div>
      )}
      {turn.status === 'cancelled' && <div className="jp-KubeWorkbench-muted">Cancelled.</div>}
      {turn.usage && (
        <div className="jp-KubeWorkbench-usage">
          {turn.usage.model}: {turn.usage.input_tokens + turn.usage.output_tokens} tokens
          {turn.usage.cost_usd ? ` ($${turn.usage.cost_usd.toFixed(4)})` : ''}
        </div>
      )}
    </div>
  );
}

function Composer(props: { model: PanelModel }): JSX.Element {
  const { model } = props;
  const [draft, setDraft] = useState('');
  const send = (): void => {
    if (draft.trim() && model.canAsk()) {
      void model.ask(draft);
      setDraft('');
    }
  };
  const cell = model.activeCell();
  const failed = model.activeCellFailed();
  return (
    <div className="jp-KubeWorkbench-composer">
      <textarea
        className="jp-KubeWorkbench-input"
        placeholder="Ask about the cluster… (Enter sends, Shift+Enter for a new line, @df mentions a DataFrame)"
        value={draft}
        rows={3}
        onChange={event => setDraft(event.target.value)}
        onKeyDown={event => {
          if (event.key === 'Enter' && !event.shiftKey) {
            event.preventDefault();
            send();
          }
        }}
      />
      <div className="jp-KubeWorkbench-composerBar">
        <label className="jp-KubeWorkbench-attach" title="Send the active cell's source and error output with the question">
          <input
            type="checkbox"
            checked={model.attachCell}
            disabled={!cell}
            onChange={event => model.setAttachCell(event.target.checked)}
          />
          Attach active cell{failed ? ' (it failed)' : ''}
        </label>
        {failed && model.canAsk() && (
          <button
            className="jp-mod-styled jp-KubeWorkbench-why"
            onClick={() => {
              model.setAttachCell(true);
              void model.ask('Why did this cell fail?');
            }}
          >
            Why did this fail?
          </button>
        )}
        {model.chat.busy !== null ? (
          <button className="jp-mod-styled jp-mod-warn jp-KubeWorkbench-cancel" onClick={() => model.cancel()}>
            Cancel
          </button>
        ) : (
          <button
            className="jp-mod-styled jp-mod-accept jp-KubeWorkbench-send"
            disabled={!draft.trim() || !model.canAsk()}
            onClick={send}
          >
            Ask
          </button>
        )}
        {model.chat.turns.length > 0 && model.chat.busy === null && (
          <button className="jp-mod-styled jp-KubeWorkbench-clear" title="Forget the conversation" onClick={() => model.reset()}>
            Clear
          </button>
        )}
      </div>
    </div>
  );
}
