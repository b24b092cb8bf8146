"""Vocabulary for synthetic clusters: team, application and component names, images, zones."""

from __future__ import annotations

TEAMS = (
    "payments checkout cart catalog search recommendations pricing inventory orders shipping fulfillment "
    "billing invoicing ledger fraud risk identity auth accounts profile notifications email sms push "
    "messaging chat media images video streaming transcoding uploads storage backup analytics reporting "
    "metrics tracing logging observability platform infra networking gateway edge cdn dns ingress "
    "ml-training ml-serving feature-store data-platform etl warehouse lakehouse kafka events scheduler "
    "workflows jobs batch crm support helpdesk marketing ads campaigns loyalty rewards partners "
    "integrations webhooks api-portal developer docs cms content i18n geo maps routing dispatch "
    "logistics warehouse-ops procurement hr payroll finance compliance audit security secrets vault"
).split()

ENVIRONMENTS = ("prod", "staging", "dev", "qa", "perf", "canary", "sandbox", "preview", "uat", "dr")

COMPONENTS = (
    "api web frontend backend worker consumer producer scheduler gateway proxy cache indexer "
    "sync exporter importer processor aggregator resolver renderer notifier collector ingester "
    "controller operator webhook admin graphql grpc router validator enricher"
).split()

# (image repository under the team's registry path, main container port, language runtime)
RUNTIMES = (
    ("go", 8080),
    ("java", 8080),
    ("node", 3000),
    ("python", 8000),
    ("ruby", 3000),
    ("dotnet", 5000),
    ("rust", 8080),
    ("php", 9000),
)

REGISTRIES = ("registry.example.com", "ghcr.io/example", "123456789012.dkr.ecr.us-east-1.amazonaws.com")

SIDECARS = (
    ("envoy", "docker.io/envoyproxy/envoy:v1.31.2", 9901),
    ("fluent-bit", "cr.fluentbit.io/fluent/fluent-bit:3.1.9", 2020),
    ("oauth2-proxy", "quay.io/oauth2-proxy/oauth2-proxy:v7.7.1", 4180),
    ("cloud-sql-proxy", "gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.13.0", 9801),
    ("statsd-exporter", "docker.io/prom/statsd-exporter:v0.27.2", 9102),
)

ZONES = ("us-east-1a", "us-east-1b", "us-east-1c")

# (pool letter, instance type, cpu, memory in Ki, ephemeral-storage in Ki, max pods)
NODE_POOLS = (
    ("a", "m6i.2xlarge", "8", "32086736Ki", "104845292Ki"),
    ("b", "m6i.4xlarge", "16", "64242452Ki", "104845292Ki"),
    ("c", "c6i.4xlarge", "16", "31876364Ki", "104845292Ki"),
    ("d", "r6i.4xlarge", "16", "129067764Ki", "209702892Ki"),
    ("e", "m6i.8xlarge", "32", "129074580Ki", "209702892Ki"),
    ("f", "c6i.2xlarge", "8", "15736352Ki", "52416492Ki"),
)

SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
