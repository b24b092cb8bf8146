/** Wire messages shaped like the server's (the generated types keep them honest). */

import type { DryRunMessage, FindingWire, PlanMessage } from '../src/wire';

export const DIGEST = 'sha256:764e0d9f0000000000000000000000000000000000000000000000000000abcd';

export function planMessage(id = 't1', digest = DIGEST): PlanMessage {
  return {
    type: 'plan',
    id,
    digest,
    plan: {
      title: 'Give deployment billing/invoice-api the environment its log says is missing',
      steps: [
        {
          action: 'set-env',
          target: { kind: 'Deployment', namespace: 'billing', name: 'invoice-api', api_version: 'apps/v1' },
          params: { container: 'invoice-api' },
          title: 'Set DATABASE_URL',
          reason: 'pod.crashloop:Pod/billing/invoice-api-1'
        }
      ],
      findings: ['pod.crashloop:Pod/billing/invoice-api-1'],
      notes: [],
      inputs: []
    },
    cell: 'import workbench\n# ...\nAPPROVED_BY = ""\n',
    kubectl: [
      'kubectl --context sandbox -n billing set env deployment/invoice-api -c invoice-api --from=secret/invoice-api-db --keys=DATABASE_URL'
    ]
  };
}

export function dryRunMessage(digest = DIGEST, ok = true): DryRunMessage {
  return {
    type: 'dry_run',
    digest,
    context: 'sandbox',
    user: 'admin',
    at: '2026-12-07T05:00:00+00:00',
    ok,
    problems: ok ? [] : ['step 1 (Set DATABASE_URL): RBAC: patch deployments.apps billing/invoice-api: DENIED'],
    blast_radius: ['Pod billing/invoice-api-1', 'Pod billing/invoice-api-2'],
    steps: [
      {
        index: 0,
        title: 'Set DATABASE_URL',
        action: 'set-env',
        target: 'Deployment billing/invoice-api',
        ok,
        accepted: true,
        message: '',
        diff: '--- now\n+++ after\n@@ -1 +1,2 @@\n env:\n+- name: DATABASE_URL',
        changes: [],
        access: [],
        restarts: ['Pod billing/invoice-api-1', 'Pod billing/invoice-api-2'],
        warnings: [],
        problems: []
      }
    ]
  };
}

export function finding(id = 'pod.crashloop:Pod/billing/invoice-api-1'): FindingWire {
  return {
    id,
    code: 'pod.crashloop',
    severity: 'error',
    ref: 'Pod billing/invoice-api-1',
    summary: 'container invoice-api is crash-looping',
    explanation: '',
    docs_url: '',
    evidence: []
  };
}
