// Parameters for infra/main.bicep. azd fills AZURE_ENV_NAME and AZURE_LOCATION from the azd
// environment; with plain `az deployment group create`, export them (or rely on the defaults here).
// Secrets come only from environment variables and go only to Key Vault. GO1_WEBHOOK_SECRET (24 to 64
// characters), LMS_LAUNCH_SECRET and LEARNER_ID_KEY are required; GO1_CLIENT_ID and GO1_CLIENT_SECRET
// go together (both or neither).
using 'main.bicep'

param environmentName = readEnvironmentVariable('AZURE_ENV_NAME', 'dev')
param location = readEnvironmentVariable('AZURE_LOCATION', 'swedencentral')

param instanceMemoryMB = 2048
param maximumInstanceCount = 100
param keyVaultEnablePurgeProtection = true

// Private endpoints for storage and Key Vault, public access to both off (infra/README.md, "Networking").
param privateNetworking = bool(readEnvironmentVariable('PRIVATE_NETWORKING', 'false'))

param go1ClientId = readEnvironmentVariable('GO1_CLIENT_ID', '')
param go1ClientSecret = readEnvironmentVariable('GO1_CLIENT_SECRET', '')
// No defaults: without these secrets the build of the parameters stops and names the variable
// (an app whose Key Vault reference cannot resolve would not start at all).
param webhookSecret0 = readEnvironmentVariable('GO1_WEBHOOK_SECRET')
param launchSecret0 = readEnvironmentVariable('LMS_LAUNCH_SECRET')
// The learner-id key (base64 of 32+ random bytes: openssl rand -base64 32); during a rotation the
// key before it as LEARNER_PREVIOUS_ID_KEY (README, "Rotating the learner-id key").
param learnerIdKey = readEnvironmentVariable('LEARNER_ID_KEY')
param learnerPreviousIdKey = readEnvironmentVariable('LEARNER_PREVIOUS_ID_KEY', '')

// Readers' and operators' Entra ID tokens (README, "Security"): the API app registration's
// application ID URI. The authority defaults to this deployment's tenant. Required likewise.
param authAudience = readEnvironmentVariable('AUTH_AUDIENCE')

// Alert notifications (infra/README.md, "Alerts"): unset = no e-mail action group / no existing group.
param alertEmail = readEnvironmentVariable('ALERT_EMAIL', '')
param alertActionGroupId = readEnvironmentVariable('ALERT_ACTION_GROUP_ID', '')

// Outbound webhooks to the LMS (README, "Getting the statistics into the LMS"): unset = off. The
// secret (whsec_ + base64 of 24 to 64 random bytes) goes only to Key Vault.
param outboundUrl = readEnvironmentVariable('OUTBOUND_URL', '')
param outboundSecret = readEnvironmentVariable('OUTBOUND_SECRET', '')
