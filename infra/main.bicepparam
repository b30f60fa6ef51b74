// Parameters for infra/main.bicep. azd fills AZURE_ENV_NAME and AZURE_LOCATION from the azd
// environment; with plain `az deployment group create`, export them (or rely on the defaults here).
// Secrets come only from environment variables and go only to Key Vault. GO1_WEBHOOK_SECRET is required
// (24 to 64 characters); GO1_CLIENT_ID and GO1_CLIENT_SECRET go together (both or neither).
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
// No default: without the webhook secret the build of these parameters stops and names the variable.
param webhookSecret0 = readEnvironmentVariable('GO1_WEBHOOK_SECRET')

// Alert notifications (infra/README.md, "Alerts"): unset = no e-mail action group / no existing group.
param alertEmail = readEnvironmentVariable('ALERT_EMAIL', '')
param alertActionGroupId = readEnvironmentVariable('ALERT_ACTION_GROUP_ID', '')
