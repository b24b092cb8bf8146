"""Secret-looking strings where they hide in a cluster, and ordinary strings that must stay unchanged.

Every positive case names where the text lives (``env``, ``annotation``, ``configmap``, ``args``,
``event``, ``log``), the text, and the secret substring that must not survive redaction anywhere.
``key`` is the env name, annotation key or ConfigMap key it sits under (a harmless one by default, so
the pattern rules are what catch it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Where = Literal["env", "annotation", "configmap", "args", "event", "log"]

JWT = (
    "eyJhbGciOiJSUzI1NiIsImtpZCI6InRlc3QifQ.eyJpc3MiOiJrdWJlcm5ldGVzL3NlcnZpY2VhY2NvdW50Iiwic3ViIjoiYm90In0"
    ".dGhpc2lzbm90YXJlYWxzaWduYXR1cmVidXRsb29rc2xpa2VvbmU"
)
PEM_BODY = "MIIEpAIBAAKCAQEA7s8corpusRsaKeyBodyLine1\nZ3VhcmRlZEtleU1hdGVyaWFsTGluZTI="
GCP_JSON = (
    '{"type": "service_account", "project_id": "demo", "private_key_id": "1a2b3c4d5e6f7a8b9c0d1e2f",'
    ' "private_key": "-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANgcpServiceAccountKeyBody\\n-----END PRIVATE'
    ' KEY-----\\n", "client_email": "bot@demo.iam.gserviceaccount.com"}'
)
DOCKER_CONFIG = (
    '{"auths":{"registry.example.com":{"username":"bot","password":"dockerPass123",'
    '"auth":"Ym90OmRvY2tlclBhc3MxMjM="}}}'
)


@dataclass(frozen=True)
class Case:
    where: Where
    text: str
    secret: str
    key: str = ""


POSITIVE: tuple[Case, ...] = (
    # Container env values: by name, or by pattern under a harmless name.
    Case("env", "hunter2-prod", "hunter2-prod", key="DB_PASSWORD"),
    Case("env", "a1b2c3d4e5", "a1b2c3d4e5", key="API_KEY"),
    Case("env", "plainsecretvalue", "plainsecretvalue", key="SESSION_COOKIE_SECRET"),
    Case("env", "Tr0ub4dor&3", "Tr0ub4dor&3", key="SPRING_DATASOURCE_PASSWORD"),
    Case("env", "c2VjcmV0LXNpZ25pbmcta2V5", "c2VjcmV0LXNpZ25pbmcta2V5", key="JWT_SIGNING_KEY"),
    Case(
        "env",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "wJalrXUtnFEMI/K7MDENG",
        key="AWS_SECRET_ACCESS_KEY",
    ),
    Case("env", "postgres://app:S3cretPass@db.shop.svc:5432/shop", "S3cretPass"),
    Case("env", "redis://:r3disPass@redis:6379/0", "r3disPass"),
    Case("env", "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx", "AbCdEfGhIjKlMnOpQrStUvWx"),
    Case("env", "sk-proj-Abc123Def456Ghi789Jkl012Mno345", "Abc123Def456Ghi789Jkl012Mno345"),
    Case("env", "sk-ant-api03-AbCdEf123456GhIjKl789012MnOpQr", "AbCdEf123456GhIjKl789012MnOpQr"),
    Case("env", "sk_live_51HxYzAbCdEfGhIjKlMnOp", "51HxYzAbCdEfGhIjKlMnOp"),
    Case("env", "AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE"),
    Case("env", "ghp_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789", "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"),
    Case("env", "glpat-AbCdEfGhIjKlMnOpQrSt", "AbCdEfGhIjKlMnOpQrSt"),
    Case("env", "hf_AbCdEfGhIjKlMnOpQrStUvWxYz012345", "AbCdEfGhIjKlMnOpQrStUvWxYz012345"),
    Case("env", "npm_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789", "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"),
    Case("env", "SG.AbCdEfGhIjKlMnOpQrSt.UvWxYz0123456789AbCdEfGhIjKlMnOpQrStUvWx", "UvWxYz0123456789AbCdEf"),
    Case("env", GCP_JSON, "MIIEvQIBADANgcpServiceAccountKeyBody"),
    Case("env", GCP_JSON, "1a2b3c4d5e6f7a8b9c0d1e2f"),
    Case(
        "env",
        "DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2Rl==;"
        "EndpointSuffix=core.windows.net",
        "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2Rl",
    ),
    Case("env", "ya29.a0AfH6SMBcorpusGoogleOauthToken123", "a0AfH6SMBcorpusGoogleOauthToken123"),
    # Annotations.
    Case(
        "annotation",
        "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
        "T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
    ),
    Case("annotation", "dt-9f8e7d6c5b4a", "dt-9f8e7d6c5b4a", key="ci.example.com/deploy-token"),
    Case("annotation", JWT, "eyJpc3MiOiJrdWJlcm5ldGVzL3NlcnZpY2VhY2NvdW50Iiwic3ViIjoiYm90In0"),
    Case("annotation", "owner=team-a token=tok_4f9a8b7c6d5e4f3a", "tok_4f9a8b7c6d5e4f3a"),
    Case("annotation", "proxy uses Authorization: Basic dXNlcjpwYXNzd29yZDEyMw==", "dXNlcjpwYXNzd29yZDEyMw"),
    Case(
        "annotation",
        "maps key AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q",
        "AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q",
    ),
    Case(
        "annotation",
        "https://acme.blob.core.windows.net/backups?sv=2021-08-06&sr=c&sig=AbCdEf0123456789xYz%2B%3D&se=2030",
        "AbCdEf0123456789xYz",
    ),
    Case("annotation", "s3cr3t-note-value", "s3cr3t-note-value", key="example.com/password"),
    Case("annotation", "webhook secret whsec_AbCdEfGhIjKlMnOpQrStUvWx01", "AbCdEfGhIjKlMnOpQrStUvWx01"),
    Case(
        "annotation", "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuv", "11ABCDEFG0123456789_abcdefgh"
    ),
    # ConfigMap values.
    Case(
        "configmap",
        "spring.datasource.url=jdbc:postgresql://db:5432/shop\nspring.datasource.password=Pr0dPassw0rd!\n",
        "Pr0dPassw0rd!",
    ),
    Case("configmap", "database:\n  host: db\n  password: correct horse battery staple\n", "horse battery"),
    Case("configmap", "DB_PASS=s3cr3t-env\nLOG_LEVEL=debug\n", "s3cr3t-env"),
    Case("configmap", '{"apiKey": "AbC123xYz789QwE456", "region": "eu"}', "AbC123xYz789QwE456"),
    Case("configmap", DOCKER_CONFIG, "dockerPass123"),
    Case("configmap", DOCKER_CONFIG, "Ym90OmRvY2tlclBhc3MxMjM"),
    Case(
        "configmap",
        f"-----BEGIN RSA PRIVATE KEY-----\n{PEM_BODY}\n-----END RSA PRIVATE KEY-----\n",
        "corpusRsaKey",
    ),
    Case(
        "configmap",
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUcorpusSsh\n"
        "-----END OPENSSH PRIVATE KEY-----",
        "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUcorpusSsh",
    ),
    Case("configmap", "<config><user>app</user><password>xmlSecret99</password></config>", "xmlSecret99"),
    Case("configmap", "[db]\nuser = app\npassword = iniSecret77\n", "iniSecret77"),
    Case("configmap", 'proxy_set_header Authorization "Bearer abc123tokenvalue456";', "abc123tokenvalue456"),
    Case("configmap", "Server=db;Database=shop;User Id=sa;Password=MsSqlP@ss1;", "MsSqlP@ss1"),
    Case("configmap", "uri: mongodb+srv://admin:M0ngoPass@cluster0.example.net/db", "M0ngoPass"),
    Case("configmap", "broker: amqp://guest:rabbitPw9@rabbit:5672/", "rabbitPw9"),
    Case(
        "configmap",
        'sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="svc" '
        'password="kafkaPw123";',
        "kafkaPw123",
    ),
    Case("configmap", "env:\n- name: DB_PASSWORD\n  value: yamlEnvSecret1\n", "yamlEnvSecret1"),
    Case("configmap", '[{"name": "API_TOKEN", "value": "jsonEnvSecret2"}]', "jsonEnvSecret2"),
    Case(
        "configmap",
        "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQOYBGcorpusPgpKeyMaterial\n"
        "-----END PGP PRIVATE KEY BLOCK-----",
        "lQOYBGcorpusPgpKeyMaterial",
    ),
    Case("configmap", "cmValueSecret8", "cmValueSecret8", key="client_secret"),
    # Container args (split on spaces into list items).
    Case("args", "--password=argSecret1", "argSecret1"),
    Case("args", "--db-password argSecret2", "argSecret2"),
    Case("args", "--api-key argSecret3xyz", "argSecret3xyz"),
    Case("args", "mysql --user=root --password=argSecret4 shop", "argSecret4"),
    Case("args", "--client-secret=argSecret5", "argSecret5"),
    Case("args", f"--token {JWT}", "eyJpc3MiOiJrdWJlcm5ldGVzL3NlcnZpY2VhY2NvdW50Iiwic3ViIjoiYm90In0"),
    Case("args", "--auth-token=argSecret6", "argSecret6"),
    Case("args", "--storage-account-key=argSecret7StorageKey", "argSecret7StorageKey"),
    # Event messages.
    Case(
        "event",
        'Failed to pull image "registry.example.com/app:1.0": unauthorized, token=evtTok9x8y7z6',
        "evtTok9x8y7z6",
    ),
    Case("event", "Error: failed to connect to postgres://svc:evtPass77@db:5432/shop", "evtPass77"),
    Case(
        "event", "Liveness probe failed with header Authorization: Bearer evtBearer123abc", "evtBearer123abc"
    ),
    Case("event", 'webhook said {"error":"invalid","access_token":"evtAccess456def"}', "evtAccess456def"),
    Case(
        "event",
        "MountVolume failed: aws_secret_access_key=evtAwsSecretKeyValue1234567890abcdefghij",
        "evtAwsSecretKeyValue1234567890",
    ),
    Case(
        "event",
        "clone failed for https://x-access-token:ghs_AbCdEfGhIjKlMnOpQrStUvWxYz012345@github.com/o/r",
        "ghs_AbCdEfGhIjKlMnOpQrStUvWxYz012345",
    ),
    # Log lines.
    Case("log", "INFO login user=bob password=logPass1 ip=10.0.0.1", "logPass1"),
    Case(
        "log",
        '{"level":"debug","msg":"request","headers":{"Authorization":"Bearer logBearer9876543210"}}',
        "logBearer9876543210",
    ),
    Case("log", "DEBUG Cookie: session=logSess123abc; theme=dark", "logSess123abc"),
    Case("log", "Set-Cookie: JSESSIONID=logJsess456def; Path=/; HttpOnly", "logJsess456def"),
    Case("log", "connecting with api_key: logApiKey789ghi", "logApiKey789ghi"),
    Case(
        "log", "using token 9f8e7d6c5b4a39281706f5e4d3c2b1a0 for upstream", "9f8e7d6c5b4a39281706f5e4d3c2b1a0"
    ),
    Case("log", "GET /callback?code=abc&access_token=logAccessTok1&state=xyz", "logAccessTok1"),
    Case(
        "log",
        "GET https://acct.blob.core.windows.net/c?sv=2021&sig=logSasSig0123456789abcdef%3D",
        "logSasSig0123",
    ),
    Case("log", "loaded secret: logSecret42xyz", "logSecret42xyz"),
    Case("log", "X-Api-Key: logXApiKey123", "logXApiKey123"),
    Case(
        "log",
        "key loaded: -----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIlogEcKeyBody\n-----END EC PRIVATE KEY-----",
        "MHcCAQEEIlogEcKeyBody",
    ),
    Case(
        "log", "POST /token client_secret=logClientSecret1&grant_type=client_credentials", "logClientSecret1"
    ),
    Case("log", "auth: Basic bG9nOmJhc2ljcGFzcw==", "bG9nOmJhc2ljcGFzcw"),
    Case("log", "passwd=logPasswd1 retry=3", "logPasswd1"),
    Case("log", 'config {\\"password\\":\\"logEscaped5\\"}', "logEscaped5"),
    Case("log", "-----BEGIN PRIVATE KEY-----\nMIIEvQtruncatedLogKeyBody", "MIIEvQtruncatedLogKeyBody"),
)

# Ordinary strings from clusters, images and logs: redaction must leave every one as it is.
NEGATIVE: tuple[str, ...] = (
    "2026-12-07T01:42:27.895615000Z INFO GET /healthz 200 12ms",
    "registry.shop.example/payments:5.0.3",
    "nginx@sha256:3b1f0c8e5a7d9b2c4e6f8a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d",
    "ghcr.io/acme/api:git-1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b",
    "uid 5f3c0a2e-1b4d-4e8f-9a6b-7c8d9e0f1a2b",
    "invoice-api-79d868d77-vgmg7",
    "pod-template-hash=79d868d77",
    "resourceVersion: 291",
    "10.244.1.17:8080",
    "Successfully assigned billing/invoice-api-79d868d77-vgmg7 to kind-worker",
    "Back-off restarting failed container invoice-api in pod invoice-api-79d868d77-vgmg7_billing"
    "(e62fb676-263a-4fc9-b61d-865acd70b503)",
    '{"level":"info","ts":"2026-12-07T01:42:27.895Z","caller":"cmd/main.go:41","msg":"starting invoice-api",'
    '"version":"2.3.1"}',
    "required environment variable DATABASE_URL is not set",
    "secretName: db-credentials",
    "tokenExpirationSeconds: 3600",
    "sessionAffinity: ClientIP",
    "token refreshed successfully",
    "password reset requested for user 42",
    "http://checkout.shop.svc.cluster.local:8080/api/checkout",
    'Readiness probe failed: Get "http://10.244.1.5:8080/healthz": dial tcp 10.244.1.5:8080: connect: '
    "connection refused",
    "max_tokens=1024 temperature=0.2",
    "auth=enabled mode=strict",
    "Created container invoice-api",
    "commit 1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b",
    "Scaled up replica set invoice-api-79d868d77 from 0 to 2",
    "--port=8080 --log-level=debug --secret-name=db-creds",
    "eyJydiI6MjkxLCJucyI6Imt1YmUtc3lzdGVtIn0",
    'Pulling image "docker.io/library/postgres:16.4"',
    "user=bob action=login status=ok",
    "mountPath: /var/run/secrets/kubernetes.io/serviceaccount",
    "DB_PASSWORD_FILE=/run/secrets/db_password",
    "Bearer token expired, refreshing",
    "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "kube-root-ca.crt",
    "Authorization: Bearer ${TOKEN}",
    "--kubelet-client-key=/etc/kubernetes/pki/apiserver-kubelet-client.key",
    "Kubernetes control plane is running at https://127.0.0.1:6443",
)
