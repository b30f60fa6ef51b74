// The storage account used both as AzureWebJobsStorage (host state, timers, queue trigger) and for the
// app's own data: the attempt-events queue (and its poison queue), the tables, and the blob container
// Flex Consumption deploys the app package from. Shared-key access is off: everything uses Entra ID.

@description('Name of the storage account (3-24 lowercase letters and digits, globally unique).')
@minLength(3)
@maxLength(24)
param name string

@description('Azure region of the storage account.')
param location string

@description('Tags applied to the storage account.')
param tags object

@description('Storage account SKU.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_RAGRS'
])
param skuName string

@description('Name of the blob container that holds the Flex Consumption deployment package.')
param deploymentContainerName string

@description('Name of the queue the webhook writes attempt events to.')
param attemptEventsQueueName string

@description('Name of its poison queue ("<name>-poison", infra/storage-names.json), where the Functions host moves a message after maxDequeueCount failed attempts.')
param attemptEventsPoisonQueueName string

@description('Names of the tables the app uses.')
param tableNames string[]

@description('True: reachable only through private endpoints (network.bicep); false: public endpoint, Entra ID only.')
param privateNetworking bool

@description('Resource id of the Log Analytics workspace that receives the blob, queue and table resource logs.')
param logAnalyticsWorkspaceId string

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: skuName
  }
  properties: {
    accessTier: 'Hot'
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    // Private networking: private endpoints only. Without it the public endpoint has to stay open: a Flex app
    // without VNet integration calls from addresses that are neither fixed nor a trusted Azure service, so
    // every request is authorized by Entra ID and RBAC alone (no shared keys, no anonymous blobs).
    publicNetworkAccess: privateNetworking ? 'Disabled' : 'Enabled'
    networkAcls: {
      bypass: privateNetworking ? 'None' : 'AzureServices'
      defaultAction: privateNetworking ? 'Deny' : 'Allow'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource attemptEventsQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = {
  parent: queueService
  name: attemptEventsQueueName
}

// The Functions host creates the poison queue on demand; declaring it makes it visible (and alertable) from day one.
resource attemptEventsPoisonQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = {
  parent: queueService
  name: attemptEventsPoisonQueueName
}

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource tables 'Microsoft.Storage/storageAccounts/tableServices/tables@2023-05-01' = [
  for tableName in tableNames: {
    parent: tableService
    name: tableName
  }
]

// Resource logs of the three services the app uses (StorageRead/Write/Delete) to Log Analytics.
var logs = [
  {
    categoryGroup: 'allLogs'
    enabled: true
  }
]

resource blobDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: blobService
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: logs
  }
}

resource queueDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: queueService
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: logs
  }
}

resource tableDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: tableService
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: logs
  }
}

@description('Name of the storage account.')
output name string = storage.name

@description('Blob endpoint, e.g. https://<name>.blob.core.windows.net/.')
output blobEndpoint string = storage.properties.primaryEndpoints.blob

@description('Queue endpoint, e.g. https://<name>.queue.core.windows.net/.')
output queueEndpoint string = storage.properties.primaryEndpoints.queue

@description('Table endpoint, e.g. https://<name>.table.core.windows.net/.')
output tableEndpoint string = storage.properties.primaryEndpoints.table

@description('Name of the deployment package container.')
output deploymentContainerName string = deploymentContainer.name

@description('Names of the queues created.')
output queueNames string[] = [
  attemptEventsQueue.name
  attemptEventsPoisonQueue.name
]

@description('Names of the tables created.')
output tableNames string[] = [for (tableName, i) in tableNames: tables[i].name]
