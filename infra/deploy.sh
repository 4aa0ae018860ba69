#!/usr/bin/env bash
# Deploys the campaign: builds the site and petition-fn, deploys the SAM stack (and, outside
# us-east-1, the web ACL's companion stack there), uploads the site, invalidates CloudFront and
# smoke-tests the result. One command; infra/README.md explains it.
#
#   infra/deploy.sh --stack campaign --region eu-west-1 --alarm-email ops@example.org \
#                   --operator-public-key KEY     # the line `petition-fn keygen` printed
#                   [--domain www.example.org --certificate-arn arn:aws:acm:us-east-1:...]
#   infra/deploy.sh --dry-run ...   # prints every step and command, runs none of them
#
# Written for bash 3.2 and later (macOS included).
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: infra/deploy.sh [options]

Builds the site (site-gen; again with the live counts read from the deployed site, when it
answers) and the function (cargo lambda), deploys infra/template.yaml with
sam deploy (outside us-east-1 also infra/waf.yaml there, the web ACL), uploads public/ to the
site bucket, invalidates the CloudFront cache and smoke-tests the site and the API.
Every prerequisite is checked first; nothing is built or changed until all of them are met.

Options (each also read from the environment variable in brackets):
  --stack NAME             CloudFormation stack name (STACK_NAME). Required.
  --region REGION          AWS region of the stack (AWS_REGION, AWS_DEFAULT_REGION, or the
                           AWS CLI profile's region). Required.
  --operator-public-key KEY
                           the operator's public key, which the function seals names and
                           addresses to (OPERATOR_PUBLIC_KEY): the line that
                           'petition-fn keygen --out operator.key' prints, run on your own
                           machine (operator.key, the private key, stays there). Required,
                           except with --upload-only.
  --domain HOST            custom domain, e.g. www.example.org (DOMAIN_NAME). Needs
                           --certificate-arn; without both, the *.cloudfront.net name is used.
  --certificate-arn ARN    ACM certificate for --domain, issued in us-east-1 (CERTIFICATE_ARN).
  --alarm-email ADDRESS    send the alarms and the budget's warnings to this address
                           (ALARM_EMAIL). Required, unless --no-alarms. The address must
                           confirm the SNS subscription mail once.
  --no-alarms              deploy without an alarm address: nobody is told of failures or of
                           the bill (NO_ALARMS=1).
  --monthly-budget USD     the account's monthly budget (MONTHLY_BUDGET_USD, default 50).
  --no-waf                 no web ACL in front of the distribution (ENABLE_WAF=false).
  --web-acl-arn ARN        use this CLOUDFRONT web ACL (us-east-1) instead of the stack's own
                           or the companion stack's (WEB_ACL_ARN).
  --secret-replica-region REGION
                           second region of the signer key's replica (SECRET_REPLICA_REGION).
                           Default: a partner region for us-* and eu-* regions, else required.
  --no-secret-replica      keep the signer key in the stack's region only.
  --backup-copy-vault-arn ARN
                           AWS Backup vault in another region that the table's daily backups
                           are copied to (BACKUP_COPY_VAULT_ARN). Default: no copy.
  --smoke-petition ID      the petition the smoke test reads (SMOKE_PETITION). Default: the
                           site's first petition (public/_app/deploy.txt).
  --price-class CLASS      PriceClass_100 (default), PriceClass_200 or PriceClass_All (PRICE_CLASS).
  --base-url URL           base URL the site is built with (BASE_URL). Default: https://DOMAIN,
                           else the existing stack's CloudFront address, else site.toml's.
  --dry-run                print every step and the exact commands; build nothing, call no AWS
                           API, change nothing.
  --upload-only            only upload the already built public/ to the existing stack's bucket
                           and invalidate (no build, no stack change, no smoke test).
  -h, --help               this help.

Also read from the environment: RESERVED_CONCURRENCY (20), LOG_RETENTION_DAYS (30),
PETITION_RUST_LOG (info), SMOKE_TRIES (6) and SMOKE_WAIT (10 seconds between tries),
AWS_PROFILE and AWS_ENDPOINT_URL (the AWS CLI's own).
EOF
}

# --- where things are ----------------------------------------------------------------------
script_path="${BASH_SOURCE[0]}"
case "$script_path" in
  */*) script_dir="${script_path%/*}" ;;
  *) script_dir="." ;;
esac
ROOT="$(cd -P "$script_dir/.." && pwd)"
readonly ROOT
readonly TEMPLATE="infra/template.yaml"
readonly SITE_DIR="public"
readonly BUNDLE="$SITE_DIR/_app/bundle.json"
# What site-gen tells this script (lines "embed-allow ORIGIN...", "petition ID"): the partner
# sites that may frame /embed/*, from site.toml [embed] allow, and the site's petitions.
readonly DEPLOY_FILE="$SITE_DIR/_app/deploy.txt"
# The live counts read before the final build (site-gen build --counts), outside public/.
readonly COUNTS_FILE="target/deploy/counts.json"
readonly REDIRECTS_FILE="$SITE_DIR/_redirects"
readonly LAMBDA_DIR="target/lambda/petition-fn"
readonly LAMBDA_FEATURES="dynamodb,lambda"
readonly ASSET_CACHE_CONTROL="public, max-age=31536000, immutable"
readonly PAGE_CACHE_CONTROL="public, max-age=60, must-revalidate"
readonly WAF_TEMPLATE="infra/waf.yaml"
readonly WAF_REGION="us-east-1"
# What is in public/ but is not the site, never uploaded (and removed from the bucket if an
# earlier deploy put it there): dotfiles and dot-folders (site-gen's .site-gen marker), the
# function's bundle (_app/) and the redirects file (_redirects, the CloudFront Function's).
readonly NOT_SITE=(".*" "*/.*" "_app/*" "_redirects")
# Lambda keeps at least this many executions of the account unreserved.
readonly LAMBDA_MIN_UNRESERVED=10
# A fingerprinted file, as site-gen names them: css/site.<hex hash>.css, js/site.<hex hash>.js
# (any folder, at least 8 hex digits right before the extension).
readonly FINGERPRINT_RE='^([A-Za-z0-9_-]+/)*[A-Za-z0-9_.-]+\.[0-9a-f]{8,}\.(css|js)$'
# Globs that keep earlier deploys' fingerprinted files in the bucket (see upload_site).
readonly HEX8='[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]'
readonly OLD_ASSET_GLOBS=("*.${HEX8}*.css" "*.${HEX8}*.js")

# --- settings --------------------------------------------------------------------------------
STACK="${STACK_NAME:-}"
REGION="${AWS_REGION:-${AWS_DEFAULT_REGION:-}}"
OPERATOR_KEY="${OPERATOR_PUBLIC_KEY:-}"
DOMAIN="${DOMAIN_NAME:-}"
CERT_ARN="${CERTIFICATE_ARN:-}"
ALARM="${ALARM_EMAIL:-}"
NO_ALARM="${NO_ALARMS:-0}"
BUDGET="${MONTHLY_BUDGET_USD:-50}"
WAF="${ENABLE_WAF:-true}"
ACL_ARN="${WEB_ACL_ARN:-}"
REPLICA="${SECRET_REPLICA_REGION:-}"
NO_REPLICA=0
COPY_VAULT="${BACKUP_COPY_VAULT_ARN:-}"
SMOKE_ID="${SMOKE_PETITION:-}"
SMOKE_TRIES="${SMOKE_TRIES:-6}"
SMOKE_WAIT="${SMOKE_WAIT:-10}"
UPLOAD_ONLY=0
PRICE="${PRICE_CLASS:-PriceClass_100}"
SITE_BASE_URL="${BASE_URL:-}"
CONCURRENCY="${RESERVED_CONCURRENCY:-20}"
RETENTION="${LOG_RETENTION_DAYS:-30}"
FN_RUST_LOG="${PETITION_RUST_LOG:-info}"
DRY_RUN=0

die() {
  printf 'deploy: %s\n' "$*" >&2
  exit 2
}

need_value() {
  # $1 option, $2 number of arguments left
  if [ "$2" -lt 2 ]; then
    die "$1 needs a value (see --help)"
  fi
}

while [ $# -gt 0 ]; do
  case "$1" in
    --stack) need_value "$1" $#; STACK="$2"; shift 2 ;;
    --stack=*) STACK="${1#*=}"; shift ;;
    --region) need_value "$1" $#; REGION="$2"; shift 2 ;;
    --region=*) REGION="${1#*=}"; shift ;;
    --operator-public-key) need_value "$1" $#; OPERATOR_KEY="$2"; shift 2 ;;
    --operator-public-key=*) OPERATOR_KEY="${1#*=}"; shift ;;
    --domain) need_value "$1" $#; DOMAIN="$2"; shift 2 ;;
    --domain=*) DOMAIN="${1#*=}"; shift ;;
    --certificate-arn) need_value "$1" $#; CERT_ARN="$2"; shift 2 ;;
    --certificate-arn=*) CERT_ARN="${1#*=}"; shift ;;
    --alarm-email) need_value "$1" $#; ALARM="$2"; shift 2 ;;
    --alarm-email=*) ALARM="${1#*=}"; shift ;;
    --price-class) need_value "$1" $#; PRICE="$2"; shift 2 ;;
    --price-class=*) PRICE="${1#*=}"; shift ;;
    --base-url) need_value "$1" $#; SITE_BASE_URL="$2"; shift 2 ;;
    --base-url=*) SITE_BASE_URL="${1#*=}"; shift ;;
    --no-alarms) NO_ALARM=1; shift ;;
    --monthly-budget) need_value "$1" $#; BUDGET="$2"; shift 2 ;;
    --monthly-budget=*) BUDGET="${1#*=}"; shift ;;
    --no-waf) WAF=false; shift ;;
    --web-acl-arn) need_value "$1" $#; ACL_ARN="$2"; shift 2 ;;
    --web-acl-arn=*) ACL_ARN="${1#*=}"; shift ;;
    --secret-replica-region) need_value "$1" $#; REPLICA="$2"; shift 2 ;;
    --secret-replica-region=*) REPLICA="${1#*=}"; shift ;;
    --no-secret-replica) NO_REPLICA=1; shift ;;
    --backup-copy-vault-arn) need_value "$1" $#; COPY_VAULT="$2"; shift 2 ;;
    --backup-copy-vault-arn=*) COPY_VAULT="${1#*=}"; shift ;;
    --smoke-petition) need_value "$1" $#; SMOKE_ID="$2"; shift 2 ;;
    --smoke-petition=*) SMOKE_ID="${1#*=}"; shift ;;
    --dry-run) DRY_RUN=1; shift ;;
    --upload-only) UPLOAD_ONLY=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
done

cd "$ROOT"

# --- output helpers -------------------------------------------------------------------------
STEP=0
step() {
  STEP=$((STEP + 1))
  printf '\n==> Step %d: %s\n' "$STEP" "$*"
}

note() {
  printf '    %s\n' "$*"
}

# Prints a command the way a shell would read it back (copy-pastable).
show() {
  local out="" arg q="'"
  for arg in "$@"; do
    if [[ "$arg" =~ ^[A-Za-z0-9_./:=@%+,-]+$ ]]; then
      out="$out $arg"
    else
      out="$out $q${arg//$q/$q\\$q$q}$q"
    fi
  done
  printf '    $%s\n' "$out"
}

# Runs a command (or only shows it in a dry run).
run() {
  show "$@"
  if [ "$DRY_RUN" -eq 0 ]; then
    "$@"
  fi
}

have() {
  command -v "$1" > /dev/null 2>&1
}

# --- step 1: prerequisites ------------------------------------------------------------------
PROBLEMS=()
problem() {
  PROBLEMS+=("$*")
}

check_settings() {
  if [ -z "$STACK" ]; then
    problem "no stack name: pass --stack NAME (or set STACK_NAME), e.g. --stack campaign"
  elif ! [[ "$STACK" =~ ^[A-Za-z][A-Za-z0-9-]{0,63}$ ]]; then
    problem "stack name '$STACK' is not valid: letters, digits and '-', starting with a letter, at most 64 characters"
  fi
  if [ -z "$REGION" ] && [ "$DRY_RUN" -eq 0 ] && have aws; then
    # The CLI profile's region (a local file read, not an API call).
    REGION="$(aws configure get region 2> /dev/null || true)"
  fi
  if [ -z "$REGION" ]; then
    problem "no AWS region: pass --region REGION (or set AWS_REGION), e.g. --region eu-west-1"
  elif ! [[ "$REGION" =~ ^[a-z]{2}(-[a-z]+)+-[0-9]+$ ]]; then
    problem "region '$REGION' does not look like an AWS region (e.g. eu-west-1)"
  fi
  if [ -z "$OPERATOR_KEY" ] && [ "$UPLOAD_ONLY" -eq 0 ]; then
    problem "no operator public key: pass --operator-public-key KEY (or set OPERATOR_PUBLIC_KEY). Make the key pair on your own machine with 'petition-fn keygen --out operator.key' and pass the line it prints; keep operator.key (the private key) there and backed up, never on a server: only it opens the names and addresses the function stores"
  elif [ -n "$OPERATOR_KEY" ] && ! [[ "$OPERATOR_KEY" =~ ^[A-Za-z0-9+/]{43}=$ ]]; then
    problem "--operator-public-key is not an operator public key (${#OPERATOR_KEY} characters; one is 44 characters of base64 ending in '='): pass the line 'petition-fn keygen --out operator.key' printed on your own machine (it is also in operator.key, after '# public key'), never the file's last line, which is the private key"
    # Not shown further on either (a dry run goes on): what was pasted by mistake may be the
    # whole key file, private key included, and must not reach the scrollback or a CI log.
    OPERATOR_KEY="<not shown: not an operator public key>"
  fi
  if [ -n "$DOMAIN" ] && [ -z "$CERT_ARN" ]; then
    problem "--domain $DOMAIN needs --certificate-arn: request a certificate for it in ACM in us-east-1 (CloudFront only uses that region)"
  fi
  if [ -z "$DOMAIN" ] && [ -n "$CERT_ARN" ]; then
    problem "--certificate-arn is only used with --domain HOST"
  fi
  if [ -n "$DOMAIN" ] && ! [[ "$DOMAIN" =~ ^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$ ]]; then
    problem "--domain '$DOMAIN' is not a lower-case host name"
  fi
  if [ -n "$CERT_ARN" ] && ! [[ "$CERT_ARN" =~ ^arn:aws:acm:us-east-1:[0-9]{12}:certificate/[0-9a-f-]{36}$ ]]; then
    problem "--certificate-arn must be an ACM certificate ARN in us-east-1 (arn:aws:acm:us-east-1:ACCOUNT:certificate/ID)"
  fi
  if [ -n "$ALARM" ] && ! [[ "$ALARM" =~ ^[^@[:space:]\"]+@[^@[:space:]\"]+\.[^@[:space:]\"]+$ ]]; then
    problem "--alarm-email '$ALARM' is not an e-mail address"
  fi
  if [ -n "$ALARM" ] && [ "$NO_ALARM" = 1 ]; then
    problem "--alarm-email and --no-alarms contradict each other: choose one"
  elif [ -z "$ALARM" ] && [ "$NO_ALARM" != 1 ] && [ "$UPLOAD_ONLY" -eq 0 ]; then
    problem "no alarm address: pass --alarm-email ADDRESS (or set ALARM_EMAIL) so that the alarms and the monthly budget reach a person; or, knowingly, --no-alarms (then nobody is told when mail fails, the API errors or the bill grows)"
  fi
  if ! [[ "$BUDGET" =~ ^[0-9]+(\.[0-9]{1,2})?$ ]] || [[ "$BUDGET" =~ ^0+(\.0*)?$ ]]; then
    problem "--monthly-budget must be an amount in USD, e.g. 50 or 25.50"
  fi
  case "$WAF" in
    true | false) ;;
    *) problem "ENABLE_WAF must be true or false" ;;
  esac
  if [ -n "$ACL_ARN" ] && ! [[ "$ACL_ARN" =~ ^arn:aws:wafv2:us-east-1:[0-9]{12}:global/webacl/[A-Za-z0-9_-]{1,128}/[0-9a-f-]{36}$ ]]; then
    problem "--web-acl-arn must be a CLOUDFRONT web ACL ARN, made in us-east-1 (arn:aws:wafv2:us-east-1:ACCOUNT:global/webacl/NAME/ID)"
  fi
  if [ -n "$ACL_ARN" ] && [ "$WAF" = false ]; then
    problem "--web-acl-arn and --no-waf contradict each other: choose one"
  fi
  check_replica
  if [ -n "$COPY_VAULT" ] && ! [[ "$COPY_VAULT" =~ ^arn:aws:backup:[a-z]{2}(-[a-z]+)+-[0-9]+:[0-9]{12}:backup-vault:[A-Za-z0-9_.-]{2,50}$ ]]; then
    problem "--backup-copy-vault-arn must be an AWS Backup vault ARN (arn:aws:backup:REGION:ACCOUNT:backup-vault:NAME)"
  elif [ -n "$COPY_VAULT" ] && [ -n "$REGION" ] && [[ "$COPY_VAULT" == arn:aws:backup:"$REGION":* ]]; then
    problem "--backup-copy-vault-arn names a vault in $REGION, the stack's own region: the copy is for losing a region, so use a vault in another one"
  fi
  if [ -n "$SMOKE_ID" ] && ! [[ "$SMOKE_ID" =~ ^[a-z0-9-]{1,64}$ ]]; then
    problem "--smoke-petition '$SMOKE_ID' is not a petition id ([a-z0-9-], at most 64)"
  fi
  case "$PRICE" in
    PriceClass_100 | PriceClass_200 | PriceClass_All) ;;
    *) problem "--price-class must be PriceClass_100, PriceClass_200 or PriceClass_All" ;;
  esac
  if ! [[ "$CONCURRENCY" =~ ^[0-9]+$ ]] || [ "$CONCURRENCY" -lt 1 ]; then
    problem "RESERVED_CONCURRENCY must be a positive number"
  fi
  if ! [[ "$RETENTION" =~ ^(1|3|5|7|14|30|60|90|120|150|180|365)$ ]]; then
    problem "LOG_RETENTION_DAYS must be one of 1 3 5 7 14 30 60 90 120 150 180 365"
  fi
  if ! [[ "$FN_RUST_LOG" =~ ^[A-Za-z0-9_,=:.-]+$ ]]; then
    problem "PETITION_RUST_LOG may only hold letters, digits and _ , = : . -"
  fi
  if [ -n "$SITE_BASE_URL" ] && ! [[ "$SITE_BASE_URL" =~ ^https?://[A-Za-z0-9.-]+(:[0-9]+)?(/[A-Za-z0-9._~/-]*)?$ ]]; then
    problem "--base-url '$SITE_BASE_URL' is not an http(s) URL"
  fi
  if [ ! -f "$TEMPLATE" ]; then
    problem "$TEMPLATE is missing: run this script from a checkout of the repository"
  fi
  if [ "$UPLOAD_ONLY" -eq 0 ] && [ "$WAF" = true ] && [ -z "$ACL_ARN" ] && [ "$REGION" != "$WAF_REGION" ] \
    && [ ! -f "$WAF_TEMPLATE" ]; then
    problem "$WAF_TEMPLATE (the web ACL's companion stack for a region other than $WAF_REGION) is missing: run this script from a checkout of the repository"
  fi
}

# The signer key's second region: given, refused, or a partner of the stack's region in the
# same geography (personal data stays on the same side of the ocean).
partner_region() {
  case "$1" in
    us-east-1) echo us-west-2 ;;
    us-*) echo us-east-1 ;;
    eu-west-1) echo eu-central-1 ;;
    eu-*) echo eu-west-1 ;;
    *) echo "" ;;
  esac
}

check_replica() {
  if [ "$NO_REPLICA" = 1 ]; then
    if [ -n "$REPLICA" ]; then
      problem "--secret-replica-region and --no-secret-replica contradict each other: choose one"
    fi
    return
  fi
  if [ -z "$REPLICA" ] && [ -n "$REGION" ]; then
    REPLICA="$(partner_region "$REGION")"
    if [ -z "$REPLICA" ] && [ "$UPLOAD_ONLY" -eq 0 ]; then
      problem "no second region for the signer key: pass --secret-replica-region REGION (losing the key lets everybody sign again and makes names stored before sealing unreadable), or --no-secret-replica"
    fi
  fi
  if [ -n "$REPLICA" ] && ! [[ "$REPLICA" =~ ^[a-z]{2}(-[a-z]+)+-[0-9]+$ ]]; then
    problem "--secret-replica-region '$REPLICA' does not look like an AWS region (e.g. eu-central-1)"
  elif [ -n "$REPLICA" ] && [ "$REPLICA" = "$REGION" ]; then
    problem "--secret-replica-region is the stack's own region $REGION: choose another region"
  fi
}

# name, how to install
check_tool() {
  if have "$1"; then
    note "found $1"
  else
    problem "$1 is not installed (or not on PATH): $2"
  fi
}

check_tools() {
  check_tool cargo "install Rust with rustup: https://rustup.rs"
  check_tool cargo-lambda "pip install cargo-lambda   (brings Zig, the cross-linker, with it)"
  check_tool sam "pip install aws-sam-cli   (AWS SAM CLI)"
  check_tool aws "install the AWS CLI v2: https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html"
  check_tool curl "install curl (the smoke test uses it), e.g. apt-get install curl"
  if have aws && [ "$DRY_RUN" -eq 0 ]; then
    local version
    version="$(aws --version 2>&1 || true)"
    case "$version" in
      aws-cli/2.*) ;;
      *) problem "the AWS CLI is '${version%% *}', version 2 is needed: https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html" ;;
    esac
  fi
}

check_credentials() {
  if [ "$DRY_RUN" -eq 1 ]; then
    note "would check the AWS credentials with:"
    show aws sts get-caller-identity --region "${REGION:-<region>}" --query Account --output text
    return
  fi
  if ! have aws || [ -z "$REGION" ]; then
    return # already reported
  fi
  local account
  if account="$(aws sts get-caller-identity --region "$REGION" --query Account --output text 2>&1)"; then
    note "AWS credentials valid for account $account"
  else
    problem "no valid AWS credentials (aws sts get-caller-identity failed: ${account##*$'\n'}): run 'aws configure', or 'aws sso login --profile NAME' and export AWS_PROFILE=NAME"
  fi
}

# The account's Lambda concurrency quota must leave LAMBDA_MIN_UNRESERVED executions
# unreserved once petition-fn reserves its own; a new account often has only 10 in all.
check_lambda_quota() {
  local query=(aws lambda get-account-settings --region "${REGION:-<region>}"
    --query AccountLimit.ConcurrentExecutions --output text)
  if [ "$DRY_RUN" -eq 1 ]; then
    note "would check that the account's Lambda concurrency leaves $LAMBDA_MIN_UNRESERVED unreserved after reserving $CONCURRENCY, with:"
    show "${query[@]}"
    return
  fi
  local limit
  if ! limit="$("${query[@]}" 2>&1)"; then
    problem "could not read the account's Lambda settings (aws lambda get-account-settings failed: ${limit##*$'\n'}): the deploying identity needs lambda:GetAccountSettings"
    return
  fi
  if ! [[ "$limit" =~ ^[0-9]+$ ]]; then
    problem "aws lambda get-account-settings gave '$limit' as the concurrency quota, not a number"
    return
  fi
  local left=$((limit - CONCURRENCY))
  if [ "$left" -lt "$LAMBDA_MIN_UNRESERVED" ]; then
    local smaller="lower RESERVED_CONCURRENCY to at most $((limit - LAMBDA_MIN_UNRESERVED)) (and the throttles with it, infra/README.md)"
    if [ $((limit - LAMBDA_MIN_UNRESERVED)) -lt 1 ]; then
      smaller="no reservation fits a quota of $limit"
    fi
    problem "the account's Lambda concurrency quota in $REGION is $limit: reserving $CONCURRENCY for petition-fn leaves $left unreserved, and Lambda requires at least $LAMBDA_MIN_UNRESERVED. Ask for a higher quota in Service Quotas (AWS Lambda, 'Concurrent executions', quota code L-B99A9384): aws service-quotas request-service-quota-increase --service-code lambda --quota-code L-B99A9384 --desired-value 1000 --region $REGION; or $smaller"
  else
    note "Lambda concurrency quota $limit: $left left unreserved after petition-fn's $CONCURRENCY"
  fi
}

prerequisites() {
  if [ "$UPLOAD_ONLY" -eq 1 ]; then
    step "Check prerequisites (settings, the AWS CLI, credentials)"
    check_settings
    check_tool aws "install the AWS CLI v2: https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html"
    if [ "${#PROBLEMS[@]}" -eq 0 ] || [ "$DRY_RUN" -eq 1 ]; then
      check_credentials
    fi
  else
    step "Check prerequisites (tools, settings, AWS credentials, Lambda quota)"
    check_settings
    check_tools
    if [ "${#PROBLEMS[@]}" -eq 0 ] || [ "$DRY_RUN" -eq 1 ]; then
      check_credentials
    fi
    if [ "${#PROBLEMS[@]}" -eq 0 ] || [ "$DRY_RUN" -eq 1 ]; then
      check_lambda_quota
    fi
  fi
  if [ "${#PROBLEMS[@]}" -gt 0 ]; then
    local p
    if [ "$DRY_RUN" -eq 1 ]; then
      printf '    A real run would stop here, before changing anything:\n'
      for p in "${PROBLEMS[@]}"; do
        printf '      - %s\n' "$p"
      done
      # Placeholders, so the rest of the plan can still be shown.
      STACK="${STACK:-<stack>}"
      REGION="${REGION:-<region>}"
      if [ "$UPLOAD_ONLY" -eq 0 ]; then
        OPERATOR_KEY="${OPERATOR_KEY:-<public key from petition-fn keygen>}"
      fi
    else
      printf '\ndeploy: cannot deploy, nothing was built or changed:\n' >&2
      for p in "${PROBLEMS[@]}"; do
        printf '  - %s\n' "$p" >&2
      done
      exit 2
    fi
  fi
  note "stack $STACK in $REGION${DOMAIN:+, domain $DOMAIN}${ALARM:+, alarms to $ALARM}"
  if [ "$NO_ALARM" = 1 ]; then
    note "WARNING: --no-alarms: no alarm and no budget warning will reach anybody"
  fi
  if [ "$UPLOAD_ONLY" -eq 0 ]; then
    note "names and addresses are sealed to the operator public key $OPERATOR_KEY"
    note "(export and mail open them with its private key file from petition-fn keygen, kept on your machine)"
  fi
}

# --- stack outputs --------------------------------------------------------------------------
OUT_BUCKET=""
OUT_DISTRIBUTION=""
OUT_SITE_URL=""
OUT_DOMAIN_NAME=""

# Reads the stack's outputs; returns non-zero when the stack does not exist (yet).
read_outputs() {
  local text key value
  show aws cloudformation describe-stacks --stack-name "$STACK" --region "$REGION" \
    --query "Stacks[0].Outputs[].[OutputKey,OutputValue]" --output text
  if [ "$DRY_RUN" -eq 1 ]; then
    OUT_BUCKET="<SiteBucketName>"
    OUT_DISTRIBUTION="<DistributionId>"
    OUT_SITE_URL="<SiteUrl>"
    OUT_DOMAIN_NAME="<DistributionDomainName>"
    return 0
  fi
  text="$(aws cloudformation describe-stacks --stack-name "$STACK" --region "$REGION" \
    --query "Stacks[0].Outputs[].[OutputKey,OutputValue]" --output text 2> /dev/null)" || return 1
  while IFS=$'\t' read -r key value; do
    case "$key" in
      SiteBucketName) OUT_BUCKET="$value" ;;
      DistributionId) OUT_DISTRIBUTION="$value" ;;
      SiteUrl) OUT_SITE_URL="$value" ;;
      DistributionDomainName) OUT_DOMAIN_NAME="$value" ;;
    esac
  done <<< "$text"
  [ -n "$OUT_BUCKET" ] && [ -n "$OUT_DISTRIBUTION" ]
}

# --- step 2: the site -------------------------------------------------------------------------
NEEDS_SECOND_DEPLOY=0
build_site() {
  step "Build the site into $SITE_DIR/"
  if [ -z "$SITE_BASE_URL" ] && [ -n "$DOMAIN" ]; then
    SITE_BASE_URL="https://$DOMAIN"
  fi
  if [ -z "$SITE_BASE_URL" ]; then
    note "base URL: the existing stack's address, if there is a stack already:"
    if read_outputs && [ "$DRY_RUN" -eq 0 ] && [ -n "$OUT_SITE_URL" ]; then
      SITE_BASE_URL="$OUT_SITE_URL"
    elif [ "$DRY_RUN" -eq 0 ]; then
      NEEDS_SECOND_DEPLOY=1
      note "no stack yet: building with site.toml's base_url"
    fi
  fi
  local args=(cargo run --release -p site-gen -- build)
  if [ -n "$SITE_BASE_URL" ] && [[ "$SITE_BASE_URL" != "<"* ]]; then
    args+=(--base-url "$SITE_BASE_URL")
  fi
  SITE_BUILD=("${args[@]}")
  run "${SITE_BUILD[@]}"
  if [ "$DRY_RUN" -eq 0 ] && [ ! -f "$BUNDLE" ]; then
    die "site-gen build did not write $BUNDLE (the function's site bundle); see its output above"
  fi
  read_deploy_file
}

# public/_app/deploy.txt, checked line by line: EMBED_ORIGINS and PETITION_IDS.
SITE_BUILD=()
EMBED_ORIGINS=""
PETITION_IDS=()
readonly ORIGIN_RE='^https?://[a-z0-9.-]+(:[0-9]{1,5})?$'
read_deploy_file() {
  if [ "$DRY_RUN" -eq 1 ]; then
    note "would read $DEPLOY_FILE: the [embed] allow origins (EmbedAllowOrigins) and the petition ids"
    EMBED_ORIGINS="<embed-allow of $DEPLOY_FILE>"
    return
  fi
  if [ ! -f "$DEPLOY_FILE" ]; then
    die "site-gen build did not write $DEPLOY_FILE (the embed origins and the petitions); is site-gen older than this script?"
  fi
  local line key rest origin lineno=0 seen_allow=0
  while IFS= read -r line || [ -n "$line" ]; do
    lineno=$((lineno + 1))
    case "$line" in "#"* | "") continue ;; esac
    key="${line%% *}"
    rest=""
    if [ "$key" != "$line" ]; then rest="${line#* }"; fi
    case "$key" in
      embed-allow)
        for origin in $rest; do
          if ! [[ "$origin" =~ $ORIGIN_RE ]]; then
            die "$DEPLOY_FILE:$lineno: '$origin' is not an origin (scheme://host[:port]); fix [embed] allow in site.toml and build again"
          fi
        done
        EMBED_ORIGINS="$rest"
        seen_allow=1 ;;
      petition)
        if ! [[ "$rest" =~ ^[a-z0-9-]{1,64}$ ]]; then
          die "$DEPLOY_FILE:$lineno: '$rest' is not a petition id ([a-z0-9-], at most 64)"
        fi
        PETITION_IDS+=("$rest") ;;
      *) die "$DEPLOY_FILE:$lineno: unknown line '$line' (expected 'embed-allow ORIGIN...' or 'petition ID'); is site-gen newer than this script?" ;;
    esac
  done < "$DEPLOY_FILE"
  if [ "$seen_allow" -eq 0 ]; then
    die "$DEPLOY_FILE has no 'embed-allow' line; build the site again with this checkout's site-gen"
  fi
  note "${#PETITION_IDS[@]} petition(s); embed pages framed by: ${EMBED_ORIGINS:-nobody}"
}

# --- step 3: the live counts --------------------------------------------------------------------
# The pages carry each petition's count as of the deploy (site-gen build --counts), so that a
# visitor without JavaScript, a search engine or a share card sees a recent number. The counts
# come from the deployed site's own API; when it does not answer them all (no stack yet, an
# error), the site stays as built above, without counts: the script on the pages shows the
# live count anyway.
read_counts() {
  step "Read the live counts from the deployed site and build the site with them"
  if [ "$DRY_RUN" -eq 1 ]; then
    note "would GET <SiteUrl>/api/petitions/<id> for each petition of $DEPLOY_FILE, write"
    note "$COUNTS_FILE ({\"as_of\": <now>, \"petitions\": {<id>: <each answer>}}) and build again:"
    show "${SITE_BUILD[@]}" --counts "$COUNTS_FILE"
    return
  fi
  # An earlier deploy's reading never stands in for this one's.
  rm -f "$COUNTS_FILE"
  if [ "${#PETITION_IDS[@]}" -eq 0 ]; then
    note "no petition: nothing to count"
    return
  fi
  if [ "$NEEDS_SECOND_DEPLOY" -eq 1 ] || { [ -z "$OUT_SITE_URL" ] && ! read_outputs; }; then
    note "no stack yet: the site is built without counts (the pages' script shows the live count)"
    return
  fi
  if [ -z "$OUT_SITE_URL" ]; then
    note "the stack has no SiteUrl output: the site is built without counts"
    return
  fi
  local as_of id url out body status ctype entries=""
  as_of="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  for id in "${PETITION_IDS[@]}"; do
    url="$OUT_SITE_URL/api/petitions/$id"
    show curl -sS --max-time 15 -w '\n%{http_code} %{content_type}' "$url"
    if ! out="$(curl -sS --max-time 15 -w '\n%{http_code} %{content_type}' "$url" 2>&1)"; then
      note "WARNING: $url could not be fetched (${out##*$'\n'}): the site is built without counts"
      return
    fi
    body="${out%$'\n'*}"
    status="${out##*$'\n'}"
    ctype="${status#* }"
    status="${status%% *}"
    if [ "$status" != 200 ] || [[ "$ctype" != application/json* ]] \
      || ! [[ "$body" =~ ^\{.*\"count\"[[:space:]]*:[[:space:]]*[0-9]+.*\}$ ]]; then
      note "WARNING: $url answered $status ${ctype:-without a type}, not a count (${body:0:200}): the site is built without counts"
      return
    fi
    entries="${entries:+$entries,}\"$id\":$body"
  done
  mkdir -p "${COUNTS_FILE%/*}"
  printf '{"as_of":"%s","petitions":{%s}}\n' "$as_of" "$entries" > "$COUNTS_FILE"
  note "counts of ${#PETITION_IDS[@]} petition(s) as of $as_of in $COUNTS_FILE"
  run "${SITE_BUILD[@]}" --counts "$COUNTS_FILE"
}

# --- step 4: the function ---------------------------------------------------------------------
build_function() {
  step "Build petition-fn for Lambda (arm64) and bundle the site data with it"
  run cargo lambda build --profile release-lambda --arm64 -p petition-fn --features "$LAMBDA_FEATURES"
  if [ "$DRY_RUN" -eq 0 ] && [ ! -x "$LAMBDA_DIR/bootstrap" ]; then
    die "cargo lambda did not write $LAMBDA_DIR/bootstrap; see its output above"
  fi
  # The function reads the bundle beside its binary; it never goes to the public bucket.
  run cp "$BUNDLE" "$LAMBDA_DIR/bundle.json"
}

# --- step 5: redirects ----------------------------------------------------------------------
# public/_redirects has lines "FROM TO [301|302]" (# comments, blank lines). They become the
# RedirectMap parameter "FROM>TO|FROM>TO>302", which the CloudFront Function answers with real
# 301/302 responses (the alias pages site-gen writes at FROM stay as a fallback).
REDIRECT_MAP=""
build_redirect_map() {
  step "Turn $REDIRECTS_FILE into the CloudFront Function's redirect map"
  if [ "$DRY_RUN" -eq 1 ]; then
    note "would read $REDIRECTS_FILE once the site is built (lines 'FROM TO [301|302]') and pass"
    note "RedirectMap=\"FROM>TO|FROM>TO>302...\" to sam deploy (at most 4096 characters)"
    REDIRECT_MAP="<redirects from $REDIRECTS_FILE>"
    return
  fi
  if [ ! -f "$REDIRECTS_FILE" ]; then
    note "no $REDIRECTS_FILE: no redirects"
    return
  fi
  local line from to status extra n=0 entry lineno=0
  while IFS= read -r line || [ -n "$line" ]; do
    lineno=$((lineno + 1))
    line="${line%%#*}"
    from="" to="" status="" extra=""
    read -r from to status extra <<< "$line" || true
    [ -z "$from" ] && continue
    if [ -z "$to" ] || [ -n "$extra" ]; then
      die "$REDIRECTS_FILE:$lineno: expected 'FROM TO [301|302]', got '$line'"
    fi
    if ! [[ "$from" =~ ^/[A-Za-z0-9._~%/:=+@!,\;*()-]*$ ]]; then
      die "$REDIRECTS_FILE:$lineno: '$from' is not a site path (it must start with / and hold only URL path characters)"
    fi
    if ! [[ "$to" =~ ^(/|https?://)[A-Za-z0-9._~%/:?#=\&+@!,\;*()-]*$ ]]; then
      die "$REDIRECTS_FILE:$lineno: '$to' is not a path or an http(s) URL made of plain URL characters"
    fi
    case "$status" in
      "" | 301) entry="$from>$to" ;;
      302) entry="$from>$to>302" ;;
      *) die "$REDIRECTS_FILE:$lineno: status '$status' is not supported (301 or 302)" ;;
    esac
    REDIRECT_MAP="${REDIRECT_MAP:+$REDIRECT_MAP|}$entry"
    n=$((n + 1))
  done < "$REDIRECTS_FILE"
  if [ "${#REDIRECT_MAP}" -gt 4096 ]; then
    die "$REDIRECTS_FILE gives a redirect map of ${#REDIRECT_MAP} characters; CloudFormation takes at most 4096. Drop old redirects (the alias pages still catch them)."
  fi
  note "$n redirect(s)"
}

# --- step 6: the web ACL ----------------------------------------------------------------------
# A CLOUDFRONT web ACL can only be made in us-east-1. A stack there creates its own
# (EdgeWebAcl); a stack elsewhere gets the same one from the companion stack <stack>-waf,
# deployed from infra/waf.yaml in us-east-1, and its ARN as WebAclArn.
deploy_waf() {
  step "The web ACL (AWS WAF) in front of the distribution"
  if [ "$WAF" = false ]; then
    note "--no-waf: no web ACL (EnableWaf=false)"
    return
  fi
  if [ -n "$ACL_ARN" ]; then
    note "using the given web ACL $ACL_ARN"
    return
  fi
  if [ "$REGION" = "$WAF_REGION" ]; then
    note "the stack is in $WAF_REGION: it creates its web ACL itself (EdgeWebAcl)"
    return
  fi
  local waf_stack="$STACK-waf"
  note "the stack is in $REGION; CloudFront web ACLs live in $WAF_REGION: deploying $WAF_TEMPLATE there as $waf_stack"
  run aws cloudformation deploy --template-file "$WAF_TEMPLATE" --stack-name "$waf_stack" \
    --region "$WAF_REGION" --no-fail-on-empty-changeset
  local query=(aws cloudformation describe-stacks --stack-name "$waf_stack" --region "$WAF_REGION"
    --query "Stacks[0].Outputs[?OutputKey=='WebAclArn'].OutputValue" --output text)
  show "${query[@]}"
  if [ "$DRY_RUN" -eq 1 ]; then
    ACL_ARN="<WebAclArn of $waf_stack>"
    return
  fi
  ACL_ARN="$("${query[@]}")" || die "could not read the WebAclArn output of $waf_stack in $WAF_REGION"
  if [ -z "$ACL_ARN" ] || [ "$ACL_ARN" = None ]; then
    die "the stack $waf_stack in $WAF_REGION has no WebAclArn output"
  fi
  note "web ACL $ACL_ARN"
}

# --- step 7: the stack ----------------------------------------------------------------------
deploy_stack() {
  step "Deploy the stack with SAM (bucket, CloudFront, API, function, table, secret, backups, alarms)"
  # ExistingTableName (a restored table, infra/README.md) is never passed: sam deploy keeps
  # the stack's value, so a forgotten option can never swap the signatures for an empty table.
  # The parameters this script owns, every time (sam deploy keeps the previous value of one
  # left out), quoted so that an empty value really clears the previous one. The throttling
  # parameters are left to the template's defaults or to what an operator set on the stack.
  local overrides
  overrides="OperatorPublicKey=\"$OPERATOR_KEY\""
  overrides="$overrides DomainName=\"$DOMAIN\""
  overrides="$overrides CertificateArn=\"$CERT_ARN\""
  overrides="$overrides AlarmEmail=\"$ALARM\""
  overrides="$overrides PriceClass=\"$PRICE\""
  overrides="$overrides ReservedConcurrency=\"$CONCURRENCY\""
  overrides="$overrides LogRetentionDays=\"$RETENTION\""
  overrides="$overrides LogLevel=\"$FN_RUST_LOG\""
  overrides="$overrides RedirectMap=\"$REDIRECT_MAP\""
  overrides="$overrides MonthlyBudgetUsd=\"$BUDGET\""
  overrides="$overrides EnableWaf=\"$WAF\""
  overrides="$overrides WebAclArn=\"$ACL_ARN\""
  overrides="$overrides SecretReplicaRegion=\"$REPLICA\""
  overrides="$overrides BackupCopyVaultArn=\"$COPY_VAULT\""
  overrides="$overrides EmbedAllowOrigins=\"$EMBED_ORIGINS\""
  run sam deploy \
    --template-file "$TEMPLATE" \
    --stack-name "$STACK" \
    --region "$REGION" \
    --capabilities CAPABILITY_IAM \
    --resolve-s3 \
    --s3-prefix "$STACK" \
    --no-confirm-changeset \
    --no-fail-on-empty-changeset \
    --parameter-overrides "$overrides"
  note "reading the stack's outputs:"
  if ! read_outputs; then
    die "the stack $STACK has no SiteBucketName/DistributionId outputs after sam deploy"
  fi
  note "bucket $OUT_BUCKET, distribution $OUT_DISTRIBUTION"
}

# --- step 8: upload -------------------------------------------------------------------------
# Splits the built files: fingerprinted assets (FINGERPRINT_RE) and the rest.
ASSETS=()
NOT_ASSETS_LIKE_ASSETS=()
classify_files() {
  local path rel
  while IFS= read -r -d '' path; do
    rel="${path#"$SITE_DIR"/}"
    case "$rel" in
      _app/* | _redirects | .* | */.*) continue ;;
    esac
    if [[ "$rel" =~ $FINGERPRINT_RE ]]; then
      ASSETS+=("$rel")
    elif [[ "$rel" == *.${HEX8}*.css || "$rel" == *.${HEX8}*.js ]]; then
      # Looks like an asset to the keep-old-assets globs but is not fingerprinted: upload it
      # with the pages, explicitly.
      NOT_ASSETS_LIKE_ASSETS+=("$rel")
    fi
  done < <(find "$SITE_DIR" -type f -print0)
}

upload_site() {
  step "Upload $SITE_DIR/ to the site bucket"
  local dest="s3://$OUT_BUCKET/"
  local common=(--region "$REGION" --only-show-errors)
  local f

  # (a) Fingerprinted assets first, so that no page uploaded after them points at a missing
  #     file. A new content means a new name: --size-only skips re-uploading identical ones.
  local asset_filters=(--exclude "*")
  if [ "$DRY_RUN" -eq 1 ]; then
    asset_filters+=(--include "<each fingerprinted file, e.g. css/site.0123abcd.css>")
  else
    classify_files
    for f in ${ASSETS[@]+"${ASSETS[@]}"}; do
      asset_filters+=(--include "$f")
    done
  fi
  note "(a) fingerprinted assets (*.<8+ hex>.css|js), cached for a year:"
  if [ "$DRY_RUN" -eq 1 ] || [ "${#ASSETS[@]}" -gt 0 ]; then
    run aws s3 sync "$SITE_DIR/" "$dest" "${asset_filters[@]}" --size-only \
      --cache-control "$ASSET_CACHE_CONTROL" "${common[@]}"
  else
    note "none found"
  fi

  # (b) Everything else, with --delete. Never what is not the site (NOT_SITE: dotfiles such as
  #     .site-gen, _app/, _redirects). Later filters win in aws s3 sync, so those exclusions
  #     come after the includes.
  local private=()
  for f in "${NOT_SITE[@]}"; do
    private+=(--exclude "$f")
  done
  note "(b) pages as text/html; charset=utf-8, short cache:"
  run aws s3 sync "$SITE_DIR/" "$dest" --delete \
    --exclude "*" --include "*.html" "${private[@]}" \
    --content-type "text/html; charset=utf-8" --cache-control "$PAGE_CACHE_CONTROL" "${common[@]}"
  note "(b) Atom feeds as application/atom+xml, short cache:"
  run aws s3 sync "$SITE_DIR/" "$dest" --delete \
    --exclude "*" --include "atom.xml" --include "*/atom.xml" "${private[@]}" \
    --content-type "application/atom+xml; charset=utf-8" --cache-control "$PAGE_CACHE_CONTROL" "${common[@]}"
  # Earlier deploys' fingerprinted files stay in the bucket (OLD_ASSET_GLOBS keeps them out of
  # --delete), so a page still cached in a browser keeps its stylesheet and script. Files that
  # only look like assets to those globs are put back by name.
  note "(b) everything else (sitemap, robots.txt, images, ...), short cache:"
  local rest=(--delete --exclude "*.html" --exclude "atom.xml" --exclude "*/atom.xml" "${private[@]}")
  for f in "${OLD_ASSET_GLOBS[@]}"; do
    rest+=(--exclude "$f")
  done
  for f in ${NOT_ASSETS_LIKE_ASSETS[@]+"${NOT_ASSETS_LIKE_ASSETS[@]}"}; do
    rest+=(--include "$f")
  done
  run aws s3 sync "$SITE_DIR/" "$dest" "${rest[@]}" \
    --cache-control "$PAGE_CACHE_CONTROL" "${common[@]}"

  # (c) What is not the site but an older deploy may have uploaded: removed from the bucket.
  local gone=(--exclude "*")
  for f in "${NOT_SITE[@]}"; do
    gone+=(--include "$f")
  done
  note "(c) remove from the bucket what is not the site (dotfiles, _app/, _redirects):"
  run aws s3 rm "$dest" --recursive "${gone[@]}" "${common[@]}"
}

# --- step 9: invalidate ---------------------------------------------------------------------
invalidate() {
  step "Invalidate the CloudFront cache (one wildcard path: free)"
  run aws cloudfront create-invalidation --distribution-id "$OUT_DISTRIBUTION" \
    --paths "/*" --query Invalidation.Id --output text --region "$REGION"
}

# --- step 10: smoke test ---------------------------------------------------------------------
# Through the distribution's own name (a custom domain's DNS may not point at it yet): the
# API's health, the home page, one petition's count. Each is tried SMOKE_TRIES times,
# SMOKE_WAIT seconds apart (a new distribution or an invalidation takes a moment).
SMOKE_FAILED=()


# url, what it must be (health | html | count)
smoke_check() {
  local url="$1" kind="$2" out status ctype body last="" try=1
  show curl -sS --max-time 15 -w '\n%{http_code} %{content_type}' "$url"
  if [ "$DRY_RUN" -eq 1 ]; then
    return
  fi
  while :; do
    if out="$(curl -sS --max-time 15 -w '\n%{http_code} %{content_type}' "$url" 2>&1)"; then
      body="${out%$'\n'*}"
      status="${out##*$'\n'}"
      ctype="${status#* }"
      status="${status%% *}"
      case "$kind" in
        health)
          if [ "$status" = 200 ] && [[ "$body" =~ \"status\"[[:space:]]*:[[:space:]]*\"ok\" ]]; then
            note "ok: $url answered 200, status ok"
            return
          fi
          last="answered $status ${ctype:-without a type}, expected 200 with {\"status\":\"ok\"}: ${body:0:200}" ;;
        html)
          if [ "$status" = 200 ] && [[ "$ctype" == text/html* ]]; then
            note "ok: $url answered 200 $ctype"
            return
          fi
          last="answered $status ${ctype:-without a type}, expected 200 text/html" ;;
        count)
          if [ "$status" = 200 ] && [[ "$ctype" == application/json* ]] \
            && [[ "$body" =~ \"count\"[[:space:]]*:[[:space:]]*[0-9]+ ]]; then
            note "ok: $url answered 200 JSON with a count"
            return
          fi
          last="answered $status ${ctype:-without a type}, expected 200 application/json with a count: ${body:0:200}" ;;
      esac
    else
      last="could not be fetched: ${out##*$'\n'}"
    fi
    if [ "$try" -ge "$SMOKE_TRIES" ]; then
      break
    fi
    note "not yet ($last); again in ${SMOKE_WAIT}s ($try/$SMOKE_TRIES)"
    try=$((try + 1))
    sleep "$SMOKE_WAIT"
  done
  SMOKE_FAILED+=("GET $url $last")
}

smoke_test() {
  step "Smoke test through CloudFront (health, home page, a petition's count)"
  local base="https://$OUT_DOMAIN_NAME" id="$SMOKE_ID"
  if [ -z "$id" ] && [ "$DRY_RUN" -eq 1 ]; then
    id="<first petition id of $DEPLOY_FILE>"
  elif [ -z "$id" ]; then
    id="${PETITION_IDS[0]:-}"
  fi
  smoke_check "$base/api/health" health
  smoke_check "$base/" html
  if [ -n "$id" ]; then
    smoke_check "$base/api/petitions/$id" count
  else
    note "no petition in $DEPLOY_FILE: the count is not checked (--smoke-petition ID names one)"
  fi
  if [ "${#SMOKE_FAILED[@]}" -gt 0 ]; then
    local f
    printf '\ndeploy: SMOKE TEST FAILED. The stack and the site are deployed, but:\n' >&2
    for f in "${SMOKE_FAILED[@]}"; do
      printf '  - %s\n' "$f" >&2
    done
    printf 'Look at the function log (/aws/lambda/%s-petition-fn) and the alarms; to go back, deploy the previous release (infra/README.md, "Rollback").\n' "$STACK" >&2
    exit 1
  fi
}

# --- main -----------------------------------------------------------------------------------
if [ "$DRY_RUN" -eq 1 ]; then
  printf 'Dry run: every step and command is printed; nothing is built, called or changed.\n'
fi
prerequisites
if [ "$UPLOAD_ONLY" -eq 1 ]; then
  step "Read the stack's outputs"
  if ! read_outputs; then
    die "the stack $STACK in $REGION has no SiteBucketName/DistributionId outputs: deploy it first (without --upload-only)"
  fi
  if [ "$DRY_RUN" -eq 0 ] && [ ! -d "$SITE_DIR" ]; then
    die "$SITE_DIR/ does not exist: build the site first (cargo run --release -p site-gen -- build)"
  fi
  upload_site
  invalidate
  step "Done"
  note "uploaded $SITE_DIR/ to $OUT_BUCKET and invalidated $OUT_DISTRIBUTION"
  exit 0
fi
build_site
read_counts
build_function
build_redirect_map
deploy_waf
deploy_stack
upload_site
invalidate
smoke_test

step "Done"
if [ "$DRY_RUN" -eq 1 ]; then
  note "dry run: nothing was done"
else
  note "site: $OUT_SITE_URL"
  if [ "$NEEDS_SECOND_DEPLOY" -eq 1 ] && [ -z "$DOMAIN" ]; then
    note "first deploy: the pages were built with the base_url of site.toml. Run this command"
    note "once more so that canonical links, feeds and the sitemap use $OUT_SITE_URL."
  fi
fi
