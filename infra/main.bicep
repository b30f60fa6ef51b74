// Go1 course-statistics sync: everything the Functions app needs in one resource group.
//
//   modules/identity.bicep     user-assigned identity the app runs as
//   modules/monitoring.bicep   Log Analytics + Application Insights (local auth off)
//   modules/storage.bicep      storage account (no shared key): queues, tables, deployment container
//   modules/keyVault.bicep     Key Vault (RBAC) with the Go1 client secret and the webhook secret
//   modules/rbac.bicep         the identity's role assignments, each on the narrowest scope
//   modules/network.bicep      (privateNetworking only) VNet, private endpoints + DNS for storage and Key Vault
//   modules/functionApp.bicep  Flex Consumption plan + Linux function app (dotnet-isolated 10.0)
//   modules/alerts.bicep       log alert rules on App Insights (+ optional e-mail action group)
//   modules/workbook.bicep     shared "Go1 sync operations" workbook on App Insights
//
// App settings: the `appSettings` variable below is the single list. To add a setting, add a
// parameter (if it is configurable) and one { name, value } line there.

targetScope = 'resourceGroup'

// ---------------------------------------------------------------------------------------------
// Environment
// ---------------------------------------------------------------------------------------------

@description('Name of the environment (azd AZURE_ENV_NAME), e.g. "dev" or "prod". Feeds the unique resource-name suffix and the azd-env-name tag.')
@minLength(1)
@maxLength(64)
param environmentName string

@description('Azure region for all resources. It must offer the Flex Consumption plan.')
param location string = resourceGroup().location

// ---------------------------------------------------------------------------------------------
// Hosting
// ---------------------------------------------------------------------------------------------

@description('Memory of each Flex Consumption instance, in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Maximum number of instances the function app scales out to. Flex Consumption accepts 40 to 1000.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Storage account redundancy.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_RAGRS'
])
param storageSkuName string = 'Standard_LRS'

@description('Days the Log Analytics workspace keeps data.')
@minValue(30)
@maxValue(730)
param logRetentionInDays int = 30

@description('Key Vault purge protection: a deleted vault or secret cannot be purged before the retention period ends. Once on it cannot be turned off (see infra/README.md before `azd down`).')
param keyVaultEnablePurgeProtection bool = true

@description('Days a deleted Key Vault or secret can be recovered (soft delete is always on).')
@minValue(7)
@maxValue(90)
param keyVaultSoftDeleteRetentionInDays int = 90

@description('Private networking of storage and Key Vault: a virtual network the app is integrated into, private endpoints (and DNS zones) for the storage services and the vault, and public network access to both disabled. The app stays public for Go1\'s webhook. See infra/README.md, "Networking".')
param privateNetworking bool = false

@description('Address space of the virtual network (privateNetworking only); the app and private-endpoint subnets are its first two /24 ranges.')
param virtualNetworkAddressPrefix string = '10.40.0.0/16'

// ---------------------------------------------------------------------------------------------
// Secrets: written to Key Vault only, never to app settings or outputs. The app cannot start
// without the webhook secret, so the deployment requires it; the Go1 client id and secret go
// together (both or neither: without them the app makes no Go1 call).
// ---------------------------------------------------------------------------------------------

@secure()
@description('Go1 OAuth client secret, stored in Key Vault as Go1ClientSecret. Give it with go1ClientId, or leave both empty.')
param go1ClientSecret string = ''

@secure()
@minLength(24)
@maxLength(64)
@description('Go1 webhook signing secret (secret_key of the webhook), 24 to 64 characters, stored in Key Vault as WebhookSecret0. Required.')
param webhookSecret0 string

@secure()
@minLength(24)
@description('LMS launch signing secret (Lms-Signature, at least 24 characters), stored in Key Vault as LaunchSecret0. Required: the app does not start without it.')
param launchSecret0 string

@secure()
@minLength(44)
@description('Learners__IdKey: the key learner ids are made with (HMAC-SHA256 of the normalised email), base64 of at least 32 random bytes (openssl rand -base64 32), stored in Key Vault as LearnerIdKey. Required: the app refuses its development key in Azure. Rotating it: README, "Rotating the learner-id key".')
param learnerIdKey string

@secure()
@description('Outbound__Secret: the outbound webhooks\' signing secret (Standard Webhooks: whsec_ + base64 of 24 to 64 random bytes), stored in Key Vault as OutboundSecret. Required when outboundUrl is set; empty otherwise.')
param outboundSecret string = ''

@secure()
@description('Learners__PreviousIdKey: the learner-id key before a rotation, while rows or tombstones made with it matter, stored in Key Vault as LearnerPreviousIdKey. Empty: none.')
param learnerPreviousIdKey string = ''

// ---------------------------------------------------------------------------------------------
// App configuration (defaults = local.settings.sample.json)
// ---------------------------------------------------------------------------------------------

@description('SweepSchedule: NCRONTAB (six fields, with seconds) of the stale-attempt sweep timer.')
param sweepSchedule string = '0 */5 * * * *'

@description('ReconcileSchedule: NCRONTAB (six fields, with seconds) of the reconciliation with Go1\'s list of completed enrolments.')
param reconcileSchedule string = '0 */15 * * * *'

@description('OutboundSchedule: NCRONTAB (six fields, with seconds) of the outbound webhooks\' timer (each run: one state read and one change-feed read when idle).')
param outboundSchedule string = '0 * * * * *'

@description('Outbound__Url: absolute https URL of the LMS endpoint that receives every change as a signed attempt.updated webhook. Empty: outbound webhooks are off.')
param outboundUrl string = ''

@description('Outbound__TimeoutSeconds: one outbound POST\'s time limit (1 to 60).')
@minValue(1)
@maxValue(60)
param outboundTimeoutSeconds int = 15

@description('Outbound__Parallelism: outbound POSTs in flight at once inside a page of the feed (1 to 16).')
@minValue(1)
@maxValue(16)
param outboundParallelism int = 4

@description('Outbound__MaxPerRun: changes one outbound run sends at most; the next run goes on.')
@minValue(1)
@maxValue(100000)
param outboundMaxPerRun int = 5000

@description('Cutovers__Connector: UTC instant (ISO 8601) from which connector-launched attempts are counted.')
param cutoverConnector string = '2024-12-19T11:00:00Z'

@description('Cutovers__WebLaunch: UTC instant (ISO 8601) from which web-launched attempts are counted.')
param cutoverWebLaunch string = '2024-12-19T11:00:00Z'

@description('Cutovers__MobileLaunch: UTC instant (ISO 8601) from which mobile-launched attempts are counted.')
param cutoverMobileLaunch string = '2024-12-25T23:00:00Z'

@description('Processing__MaxConflictRetries: optimistic-concurrency retries when a table write conflicts.')
@minValue(1)
@maxValue(100)
param processingMaxConflictRetries int = 10

@description('Processing__OnlyKnownLearners: process events only for learners already known to the app.')
param processingOnlyKnownLearners bool = false

@description('Processing__MaxAttemptsPerLearnerCourse: most attempts (and completions) of one learner on one course; an event beyond it is parked with its reason.')
@minValue(1)
@maxValue(5000)
param processingMaxAttemptsPerLearnerCourse int = 1000

@description('Webhook__ToleranceSeconds: maximum age (and clock skew) of a signed webhook delivery, in seconds.')
@minValue(1)
@maxValue(3600)
param webhookToleranceSeconds int = 300

@description('Launch__MaxAge: a launch whose launchedAt is older is refused over HTTP; history goes through go1sync replay or backfill (.NET TimeSpan, 01:00:00 to 3650.00:00:00).')
param launchMaxAge string = '7.00:00:00'

@description('Auth__Authority: Microsoft Entra ID authority that issues readers\' and operators\' tokens (v2.0, tenant-specific). Default: this deployment\'s tenant.')
param authAuthority string = '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'

@description('Auth__Audience: the aud of those tokens, the API app registration\'s application ID URI (api://<client id>) or client id. The app does not start without it.')
@minLength(1)
param authAudience string

@description('Go1__BaseUrl: Go1 API base URL.')
param go1BaseUrl string = 'https://gateway.go1.com'

@description('Go1__TokenUrl: Go1 OAuth token endpoint.')
param go1TokenUrl string = 'https://auth.go1.com/oauth/token'

@description('Go1__ClientId: Go1 OAuth client id (not secret; the client secret goes to Key Vault). Give it with go1ClientSecret, or leave both empty.')
param go1ClientId string = ''

@description('Go1__ApiVersion: value of the Go1 api-version header.')
param go1ApiVersion string = '2025-01-01'

@description('Go1__Timeout: timeout of one Go1 API attempt (.NET TimeSpan, 00:00:01 to 00:02:00).')
param go1Timeout string = '00:00:10'

@description('Go1__RetryDelay: base delay between Go1 API retries (.NET TimeSpan).')
param go1RetryDelay string = '00:00:02'

@description('Sweep__StaleAfter: how long an attempt may stay open before the sweep looks at it (.NET TimeSpan, e.g. 00:30:00).')
param sweepStaleAfter string = '00:30:00'

@description('Sweep__MaxPerRun: maximum attempts one sweep run handles.')
@minValue(1)
@maxValue(5000)
param sweepMaxPerRun int = 200

@description('Sweep__MaxBackoff: upper bound of the sweep\'s retry back-off (.NET TimeSpan, e.g. 1.00:00:00).')
param sweepMaxBackoff string = '1.00:00:00'

@description('Sweep__GiveUpAfter: an open attempt without activity for this long leaves the sweep\'s index (.NET TimeSpan).')
param sweepGiveUpAfter string = '90.00:00:00'

@description('Reconcile__Overlap: each reconciliation re-reads this far before its watermark, for Go1\'s lagging list (.NET TimeSpan).')
param reconcileOverlap string = '00:15:00'

@description('Reconcile__RequestsPerSecond: pace of the reconciliation\'s Go1 requests (Go1 publishes no rate limit).')
param reconcileRequestsPerSecond string = '5'

@description('Reconcile__InitialLookback: how far back the very first reconciliation reads (older history: go1sync backfill) (.NET TimeSpan).')
param reconcileInitialLookback string = '1.00:00:00'

@description('Reconcile__MaxPagesPerRun: list pages (50 enrolments each) one reconciliation run reads at most.')
@minValue(1)
@maxValue(100000)
param reconcileMaxPagesPerRun int = 2000

@description('DeliveryLog__RetentionDays: days webhook deliveries are kept in the Deliveries table.')
@minValue(1)
@maxValue(3650)
param deliveryLogRetentionDays int = 30

@description('Parked__RetentionDays: days a parked message (its body holds the learner\'s email) is kept in the Parked table.')
@minValue(1)
@maxValue(3650)
param parkedRetentionDays int = 90

@description('Poison__RetentionDays: days a message (its body holds the learner\'s email) is kept in the poison queue.')
@minValue(1)
@maxValue(3650)
param poisonRetentionDays int = 30

@description('Summary__MaxAge: the oldest course summary the read API serves from an instance\'s cache (.NET TimeSpan, at most 01:00:00; 00:00:00 computes it on every call).')
param summaryMaxAge string = '00:01:00'

@description('Feed__RetentionDays: days the change feed (GET /api/attempts/changes) keeps a change row (it holds the learner\'s email); an older cursor is answered 410.')
@minValue(1)
@maxValue(365)
param feedRetentionDays int = 30

@description('Feed__SafeLag: how far behind now the change feed reads, so that no write still in flight lands behind a cursor (.NET TimeSpan, 00:00:00 to 00:10:00).')
param feedSafeLag string = '00:01:00'

@description('Health__MaxQueueAge: the health endpoint reports unhealthy when the oldest queued message is older (.NET TimeSpan).')
param healthMaxQueueAge string = '00:10:00'

@description('Health__MaxSweepAge: the health endpoint reports unhealthy when the last sweep run is older (.NET TimeSpan).')
param healthMaxSweepAge string = '00:30:00'

@description('Health__MaxReconcileAge: the health endpoint reports degraded when Go1\'s completions were last read completely longer ago (.NET TimeSpan).')
param healthMaxReconcileAge string = '01:00:00'

@description('Courses__CacheSeconds: how long an instance keeps a course duration in memory before reading the Courses table again (0 = every time).')
@minValue(0)
@maxValue(3600)
param coursesCacheSeconds int = 300

// ---------------------------------------------------------------------------------------------
// Alerts (modules/alerts.bicep). With neither alertEmail nor alertActionGroupId the alert rules
// are still created and show in Azure Monitor, but notify nobody.
// ---------------------------------------------------------------------------------------------

@description('E-mail address the alerts notify, through a new action group. Empty: no action group is created.')
param alertEmail string = ''

@description('Resource id of an existing action group the alerts notify (in addition to alertEmail). Empty: none.')
param alertActionGroupId string = ''

@description('Function failures alert: fires when more than this many invocations of one function fail within 15 minutes.')
@minValue(0)
param failureThreshold int = 5

@description('Stale queue alert: fires when the oldest message in the attempt-events queue is older than this many seconds.')
@minValue(1)
param oldestMessageAgeSeconds int = 600

@description('Reconciliation alert: fires when Go1\'s completed enrolments were last read completely longer ago than this many seconds.')
@minValue(900)
param watermarkAgeSeconds int = 3600

@description('Outbound webhooks alert: fires when the LMS webhook endpoint has failed more than this many times in a row.')
@minValue(1)
param outboundFailureThreshold int = 3

// ---------------------------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------------------------

var resourceToken = toLower(uniqueString(subscription().id, resourceGroup().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}
var identityName = 'id-go1sync-${resourceToken}'
var applicationInsightsName = 'appi-go1sync-${resourceToken}'
var storageAccountName = 'st${resourceToken}'
var keyVaultName = 'kv${resourceToken}'
var functionAppName = 'func-go1sync-${resourceToken}'
var webhookSecretName = 'WebhookSecret0'
var go1ClientSecretName = 'Go1ClientSecret'
var deploymentContainerName = 'app-package-${functionAppName}'
// Table and queue names (AttemptEventsQueue: the queue the webhook enqueues attempt events on, and
// its poison queue) come from storage-names.json, the one list the app's TableNames and QueueOptions
// are checked against (StorageNamesTests).
var storageNames = loadJsonContent('storage-names.json')
var tableNames = storageNames.tables
var attemptEventsQueue = storageNames.attemptEventsQueue
var attemptEventsPoisonQueue = '${attemptEventsQueue}${storageNames.poisonQueueSuffix}'

// A client id without its secret (or the reverse) would leave the app half configured: stop the
// deployment while ARM validates the template, before any resource is touched.
var go1CredentialsGiven = empty(go1ClientId) == empty(go1ClientSecret)
  ? !empty(go1ClientId)
  : fail('Go1 credentials: give go1ClientId and go1ClientSecret together (GO1_CLIENT_ID and GO1_CLIENT_SECRET), or neither.')

// The vault secrets the app settings reference; the identity gets Key Vault Secrets User on each.
var keyVaultSecretNames = concat(
  [webhookSecretName, launchSecret0Name, learnerIdKeyName],
  go1CredentialsGiven ? [go1ClientSecretName] : [],
  learnerPreviousIdKeyGiven ? [learnerPreviousIdKeyName] : [],
  outboundSecretGiven ? [outboundSecretName] : []
)

// ---------------------------------------------------------------------------------------------
// Resources
// ---------------------------------------------------------------------------------------------

module identity 'modules/identity.bicep' = {
  name: 'identity'
  params: {
    name: identityName
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    logAnalyticsName: 'log-go1sync-${resourceToken}'
    applicationInsightsName: applicationInsightsName
    location: location
    tags: tags
    retentionInDays: logRetentionInDays
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    name: storageAccountName
    location: location
    tags: tags
    skuName: storageSkuName
    deploymentContainerName: deploymentContainerName
    attemptEventsQueueName: attemptEventsQueue
    attemptEventsPoisonQueueName: attemptEventsPoisonQueue
    tableNames: tableNames
    privateNetworking: privateNetworking
    logAnalyticsWorkspaceId: monitoring.outputs.logAnalyticsWorkspaceId
  }
}

module keyVault 'modules/keyVault.bicep' = {
  name: 'keyVault'
  params: {
    name: keyVaultName
    location: location
    tags: tags
    enablePurgeProtection: keyVaultEnablePurgeProtection
    softDeleteRetentionInDays: keyVaultSoftDeleteRetentionInDays
    go1ClientEntryName: go1ClientSecretName
    go1ClientSecret: go1CredentialsGiven ? go1ClientSecret : ''
    webhookEntryName: webhookSecretName
    webhookSecret0: webhookSecret0
    privateNetworking: privateNetworking
    logAnalyticsWorkspaceId: monitoring.outputs.logAnalyticsWorkspaceId
  }
}

module network 'modules/network.bicep' = if (privateNetworking) {
  name: 'network'
  params: {
    name: 'vnet-go1sync-${resourceToken}'
    location: location
    tags: tags
    addressPrefix: virtualNetworkAddressPrefix
    appSubnetPrefix: cidrSubnet(virtualNetworkAddressPrefix, 24, 0)
    privateEndpointSubnetPrefix: cidrSubnet(virtualNetworkAddressPrefix, 24, 1)
    storageAccountName: storageAccountName
    keyVaultName: keyVaultName
  }
  // The endpoints attach to the account and the vault, passed by name (known up front).
  dependsOn: [
    storage
    keyVault
  ]
}

module rbac 'modules/rbac.bicep' = {
  name: 'rbac'
  params: {
    principalId: identity.outputs.principalId
    identityResourceId: resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', identityName)
    storageAccountName: storageAccountName
    queueNames: [
      attemptEventsQueue
      attemptEventsPoisonQueue
    ]
    applicationInsightsName: applicationInsightsName
    keyVaultName: keyVaultName
    keyVaultEntryNames: keyVaultSecretNames
  }
  // Names are passed as known-up-front values (not module outputs) so What-If can predict the
  // assignments; the explicit dependencies keep the order.
  dependsOn: [
    launchSecret0Resource
    learnerIdKeyResource
    learnerPreviousIdKeyResource
    storage
    monitoring
    keyVault
  ]
}

// The LMS launch secret, in the app's vault next to the others (Key Vault Secrets User covers it).
var launchSecret0Name = 'LaunchSecret0'

resource vaultOfAppSecrets 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

resource launchSecret0Resource 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vaultOfAppSecrets
  name: launchSecret0Name
  properties: {
    value: launchSecret0
    contentType: 'text/plain'
  }
  dependsOn: [
    keyVault
  ]
}

// The learner-id keys (README, "Security"), next to the launch secret: the current one always, the
// previous one only during a rotation (a reference to a secret that is not written would never resolve).
var learnerIdKeyName = 'LearnerIdKey'
var learnerPreviousIdKeyName = 'LearnerPreviousIdKey'
var learnerPreviousIdKeyGiven = !empty(learnerPreviousIdKey)

// The outbound webhooks' signing secret, only when one is given (with outboundUrl); the app refuses a URL without it.
var outboundSecretName = 'OutboundSecret'
var outboundSecretGiven = !empty(outboundSecret)

resource outboundSecretResource 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (outboundSecretGiven) {
  parent: vaultOfAppSecrets
  name: outboundSecretName
  properties: {
    value: outboundSecret
    contentType: 'text/plain'
  }
  dependsOn: [
    keyVault
  ]
}

resource learnerIdKeyResource 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vaultOfAppSecrets
  name: learnerIdKeyName
  properties: {
    value: learnerIdKey
    contentType: 'text/plain'
  }
  dependsOn: [
    keyVault
  ]
}

resource learnerPreviousIdKeyResource 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (learnerPreviousIdKeyGiven) {
  parent: vaultOfAppSecrets
  name: learnerPreviousIdKeyName
  properties: {
    value: learnerPreviousIdKey
    contentType: 'text/plain'
  }
  dependsOn: [
    keyVault
  ]
}

// The single list of app settings. Names are literal so the compiled template (and the deployment
// tests) can see them. FUNCTIONS_WORKER_RUNTIME is not here: Flex sets the runtime in functionAppConfig.
var appSettings = [
  // Host storage, identity-based (no connection string, no shared key).
  { name: 'AzureWebJobsStorage__credential', value: 'managedidentity' }
  { name: 'AzureWebJobsStorage__clientId', value: identity.outputs.clientId }
  { name: 'AzureWebJobsStorage__blobServiceUri', value: storage.outputs.blobEndpoint }
  { name: 'AzureWebJobsStorage__queueServiceUri', value: storage.outputs.queueEndpoint }
  { name: 'AzureWebJobsStorage__tableServiceUri', value: storage.outputs.tableEndpoint }
  // Telemetry, authenticated with the identity (the component has local auth disabled).
  { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: monitoring.outputs.connectionString }
  { name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING', value: 'ClientId=${identity.outputs.clientId};Authorization=AAD' }
  // The app's own settings.
  { name: 'AttemptEventsQueue', value: attemptEventsQueue }
  { name: 'SweepSchedule', value: sweepSchedule }
  { name: 'ReconcileSchedule', value: reconcileSchedule }
  { name: 'Cutovers__Connector', value: cutoverConnector }
  { name: 'Cutovers__WebLaunch', value: cutoverWebLaunch }
  { name: 'Cutovers__MobileLaunch', value: cutoverMobileLaunch }
  { name: 'Processing__MaxConflictRetries', value: string(processingMaxConflictRetries) }
  { name: 'Processing__OnlyKnownLearners', value: processingOnlyKnownLearners ? 'true' : 'false' }
  { name: 'Processing__MaxAttemptsPerLearnerCourse', value: string(processingMaxAttemptsPerLearnerCourse) }
  { name: 'Webhook__Secrets__0', value: '@Microsoft.KeyVault(SecretUri=${keyVault.outputs.keyVaultReferenceUris.webhook0})' }
  { name: 'Webhook__ToleranceSeconds', value: string(webhookToleranceSeconds) }
  { name: 'Webhook__AllowUnsigned', value: 'false' } // never accept unsigned deliveries in Azure
  { name: 'Launch__Secrets__0', value: '@Microsoft.KeyVault(SecretUri=${keyVault.outputs.uri}secrets/${launchSecret0Name})' }
  { name: 'Launch__AllowUnsigned', value: 'false' } // the app refuses true in Azure anyway
  { name: 'Launch__MaxAge', value: launchMaxAge }
  { name: 'Auth__Authority', value: authAuthority }
  { name: 'Auth__Audience', value: authAudience }
  { name: 'Auth__AllowUnauthenticated', value: 'false' } // the app refuses true in Azure anyway
  { name: 'Learners__IdKey', value: '@Microsoft.KeyVault(SecretUri=${keyVault.outputs.uri}secrets/${learnerIdKeyName})' }
  {
    name: 'Learners__PreviousIdKey'
    value: learnerPreviousIdKeyGiven ? '@Microsoft.KeyVault(SecretUri=${keyVault.outputs.uri}secrets/${learnerPreviousIdKeyName})' : ''
  }
  { name: 'Go1__BaseUrl', value: go1BaseUrl }
  { name: 'Go1__TokenUrl', value: go1TokenUrl }
  { name: 'Go1__ClientId', value: go1ClientId }
  // Empty without Go1 credentials: a reference to a secret that is not written would never resolve.
  {
    name: 'Go1__ClientSecret'
    value: go1CredentialsGiven ? '@Microsoft.KeyVault(SecretUri=${keyVault.outputs.keyVaultReferenceUris.go1Client})' : ''
  }
  { name: 'Go1__ApiVersion', value: go1ApiVersion }
  { name: 'Go1__Timeout', value: go1Timeout }
  { name: 'Go1__RetryDelay', value: go1RetryDelay }
  { name: 'Sweep__StaleAfter', value: sweepStaleAfter }
  { name: 'Sweep__MaxPerRun', value: string(sweepMaxPerRun) }
  { name: 'Sweep__MaxBackoff', value: sweepMaxBackoff }
  { name: 'Sweep__GiveUpAfter', value: sweepGiveUpAfter }
  { name: 'Reconcile__Overlap', value: reconcileOverlap }
  { name: 'Reconcile__RequestsPerSecond', value: reconcileRequestsPerSecond }
  { name: 'Reconcile__InitialLookback', value: reconcileInitialLookback }
  { name: 'Reconcile__MaxPagesPerRun', value: string(reconcileMaxPagesPerRun) }
  { name: 'DeliveryLog__RetentionDays', value: string(deliveryLogRetentionDays) }
  { name: 'Parked__RetentionDays', value: string(parkedRetentionDays) }
  { name: 'Poison__RetentionDays', value: string(poisonRetentionDays) }
  { name: 'Summary__MaxAge', value: summaryMaxAge }
  { name: 'Feed__RetentionDays', value: string(feedRetentionDays) }
  { name: 'Feed__SafeLag', value: feedSafeLag }
  { name: 'Health__MaxQueueAge', value: healthMaxQueueAge }
  { name: 'Health__MaxSweepAge', value: healthMaxSweepAge }
  { name: 'Health__MaxReconcileAge', value: healthMaxReconcileAge }
  { name: 'Courses__CacheSeconds', value: string(coursesCacheSeconds) }
  { name: 'OutboundSchedule', value: outboundSchedule }
  { name: 'Outbound__Url', value: outboundUrl }
  // Empty without a secret: a reference to a secret that is not written would never resolve.
  {
    name: 'Outbound__Secret'
    value: outboundSecretGiven ? '@Microsoft.KeyVault(SecretUri=${keyVault.outputs.uri}secrets/${outboundSecretName})' : ''
  }
  { name: 'Outbound__TimeoutSeconds', value: string(outboundTimeoutSeconds) }
  { name: 'Outbound__Parallelism', value: string(outboundParallelism) }
  { name: 'Outbound__MaxPerRun', value: string(outboundMaxPerRun) }
]

module functionApp 'modules/functionApp.bicep' = {
  name: 'functionApp'
  params: {
    name: functionAppName
    planName: 'plan-go1sync-${resourceToken}'
    location: location
    tags: tags
    azdServiceName: 'api'
    identityId: identity.outputs.id
    storageBlobEndpoint: storage.outputs.blobEndpoint
    deploymentContainerName: storage.outputs.deploymentContainerName
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    appSettings: appSettings
    virtualNetworkSubnetId: privateNetworking ? network!.outputs.appSubnetId : null
    logAnalyticsWorkspaceId: monitoring.outputs.logAnalyticsWorkspaceId
  }
  // The app starts pulling its package, reading the queue and resolving Key Vault references
  // as soon as it exists: give it its roles first.
  dependsOn: [
    rbac
  ]
}

// Monitoring on top of App Insights: alert rules and the operations workbook. Like rbac, they get
// the component's name (known up front) and an explicit dependency on the monitoring module.
module alerts 'modules/alerts.bicep' = {
  name: 'alerts'
  params: {
    location: location
    tags: tags
    applicationInsightsName: applicationInsightsName
    namePrefix: 'go1sync-${resourceToken}'
    alertEmail: alertEmail
    alertActionGroupId: alertActionGroupId
    failureThreshold: failureThreshold
    oldestMessageAgeSeconds: oldestMessageAgeSeconds
    watermarkAgeSeconds: watermarkAgeSeconds
    outboundFailureThreshold: outboundFailureThreshold
  }
  dependsOn: [
    monitoring
  ]
}

module workbook 'modules/workbook.bicep' = {
  name: 'workbook'
  params: {
    location: location
    tags: tags
    applicationInsightsName: applicationInsightsName
  }
  dependsOn: [
    monitoring
  ]
}

// ---------------------------------------------------------------------------------------------
// Outputs (no secrets: names, host names and URIs only)
// ---------------------------------------------------------------------------------------------

@description('Name of the function app.')
output functionAppName string = functionApp.outputs.name

@description('Default host name of the function app.')
output functionAppDefaultHostName string = functionApp.outputs.defaultHostName

@description('Go1 webhook URL without its function key; register it at Go1 with ?code=<function key>.')
output webhookUrl string = 'https://${functionApp.outputs.defaultHostName}/api/go1/webhooks'

@description('Names of the log alert rules (Azure Monitor > Alerts > Alert rules).')
output alertRuleNames array = alerts.outputs.alertRuleNames

@description('Resource id of the "Go1 sync operations" workbook (Application Insights > Workbooks).')
output workbookId string = workbook.outputs.id

// azd conventions
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output SERVICE_API_NAME string = functionApp.outputs.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
// Read by the postprovision hook (infra/hooks) to refresh the app's Key Vault references.
output AZURE_FUNCTION_APP_ID string = functionApp.outputs.id
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_KEY_VAULT_ENDPOINT string = keyVault.outputs.uri
output AZURE_USER_ASSIGNED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.applicationInsightsName
