// Every role assignment of the deployment, all for the app's user-assigned identity, each on the
// narrowest scope that works:
//   Storage Blob Data Owner         storage account   the host creates and leases its own containers
//                                                     (azure-webjobs-hosts, azure-webjobs-secrets) next
//                                                     to the deployment package container
//   Storage Queue Data Contributor  each queue        attempt-events and attempt-events-poison: every queue
//                                                     call the app and the host make names the queue
//   Storage Table Data Contributor  storage account   the app creates its tables if missing at start, a call
//                                                     to the account's /Tables endpoint; the account holds the
//                                                     app's tables only
//   Monitoring Metrics Publisher    App Insights      (AAD-authenticated telemetry ingestion)
//   Key Vault Secrets User          each secret       the secrets the app settings reference, not the vault
// Role definition ids are the built-in, tenant-independent GUIDs.

@description('Object (principal) id of the app identity.')
param principalId string

@description('Resource id of the app identity; seeds the role assignment names (known before deployment, unlike the principal id).')
param identityResourceId string

@description('Name of the storage account.')
param storageAccountName string

@description('Names of the queues the app reads and writes (the event queue and its poison queue).')
param queueNames string[]

@description('Name of the Application Insights component.')
param applicationInsightsName string

@description('Name of the Key Vault.')
param keyVaultName string

@description('Names of the vault entries (secrets) the app settings reference.')
param keyVaultEntryNames string[]

var storageBlobDataOwnerRoleId = 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
var storageQueueDataContributorRoleId = '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
var storageTableDataContributorRoleId = '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
var monitoringMetricsPublisherRoleId = '3913510d-42f4-4e42-8a64-420c390055eb'
var keyVaultSecretsUserRoleId = '4633458b-17de-408a-b874-0445c86b69e6'

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName

  resource queueService 'queueServices' existing = {
    name: 'default'
  }
}

resource queues 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' existing = [
  for queueName in queueNames: {
    parent: storage::queueService
    name: queueName
  }
]

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource keyVault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

resource secrets 'Microsoft.KeyVault/vaults/secrets@2023-07-01' existing = [
  for secretName in keyVaultEntryNames: {
    parent: keyVault
    name: secretName
  }
]

resource storageBlobDataOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identityResourceId, storageBlobDataOwnerRoleId)
  scope: storage
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataOwnerRoleId)
  }
}

resource storageQueueDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (queueName, i) in queueNames: {
    name: guid(queues[i].id, identityResourceId, storageQueueDataContributorRoleId)
    scope: queues[i]
    properties: {
      principalId: principalId
      principalType: 'ServicePrincipal'
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageQueueDataContributorRoleId)
    }
  }
]

resource storageTableDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identityResourceId, storageTableDataContributorRoleId)
  scope: storage
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageTableDataContributorRoleId)
  }
}

resource monitoringMetricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(applicationInsights.id, identityResourceId, monitoringMetricsPublisherRoleId)
  scope: applicationInsights
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringMetricsPublisherRoleId)
  }
}

resource keyVaultSecretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (secretName, i) in keyVaultEntryNames: {
    name: guid(secrets[i].id, identityResourceId, keyVaultSecretsUserRoleId)
    scope: secrets[i]
    properties: {
      principalId: principalId
      principalType: 'ServicePrincipal'
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUserRoleId)
    }
  }
]

@description('Resource ids of the storage account and App Insights role assignments.')
output accountRoleAssignmentIds string[] = [
  storageBlobDataOwner.id
  storageTableDataContributor.id
  monitoringMetricsPublisher.id
]

@description('Resource ids of the per-queue Storage Queue Data Contributor role assignments.')
output queueRoleAssignmentIds string[] = [for (queueName, i) in queueNames: storageQueueDataContributor[i].id]

@description('Resource ids of the per-secret Key Vault Secrets User role assignments.')
output keyVaultRoleAssignmentIds string[] = [for (secretName, i) in keyVaultEntryNames: keyVaultSecretsUser[i].id]
