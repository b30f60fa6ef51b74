// Flex Consumption plan and the Linux function app (dotnet-isolated 10.0). The app runs as the
// user-assigned identity: it pulls its deployment package from a blob container with that identity,
// resolves Key Vault references with it, and connects to storage and App Insights with it.
// App settings are built in main.bicep (one list) and passed in as-is.

@description('Name of the function app (also the first label of its default host name).')
param name string

@description('Name of the Flex Consumption plan.')
param planName string

@description('Azure region of the plan and the app (must offer Flex Consumption).')
param location string

@description('Tags applied to the plan and the app; the app also gets azd-service-name.')
param tags object

@description('Value of the azd-service-name tag: the service name in azure.yaml that deploys to this app.')
param azdServiceName string

@description('Resource id of the user-assigned identity the app runs as.')
param identityId string

@description('Blob endpoint of the storage account holding the deployment container (ends with "/").')
param storageBlobEndpoint string

@description('Name of the blob container the deployment package is read from.')
param deploymentContainerName string

@description('Memory of each instance, in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int

@description('Upper bound on the number of instances the app scales out to (Flex Consumption accepts 40 to 1000).')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int

@description('Resource id of the subnet (delegated to Microsoft.App/environments) the app is integrated into; null: no virtual network integration.')
param virtualNetworkSubnetId string?

@description('Resource id of the Log Analytics workspace that receives the app\'s resource logs.')
param logAnalyticsWorkspaceId string

@description('App settings as name/value pairs.')
param appSettings {
  @description('Setting name as the app reads it (__ separates configuration sections).')
  name: string
  @description('Setting value; may be a Key Vault reference.')
  value: string
}[]

resource plan 'Microsoft.Web/serverfarms@2024-11-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true
  }
}

resource functionApp 'Microsoft.Web/sites@2024-11-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': azdServiceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identityId
    // Outbound only: with private networking the app reaches storage and Key Vault through this subnet
    // (Flex routes all outbound traffic into it). Inbound stays public: Go1 calls the webhook.
    virtualNetworkSubnetId: virtualNetworkSubnetId
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storageBlobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
    // Only the app settings, as in Microsoft's Flex Consumption samples: Flex rejects site properties it does
    // not support (ftpsState fails the deployment with error 51021; alwaysOn, http20Enabled, ... do not apply).
    // FTP is off anyway (no FTP on Flex, basic publishing credentials off below); new apps default to TLS 1.2.
    siteConfig: {
      appSettings: appSettings
    }
  }
}

// No basic (user/password) publishing: deployments authenticate with Entra ID.
resource ftpBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-11-01' = {
  parent: functionApp
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-11-01' = {
  parent: functionApp
  name: 'scm'
  properties: {
    allow: false
  }
}

// Resource logs (FunctionAppLogs, ...) to the Log Analytics workspace, next to the App Insights telemetry.
resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: functionApp
  properties: {
    workspaceId: logAnalyticsWorkspaceId
    logs: [
      {
        categoryGroup: 'allLogs'
        enabled: true
      }
    ]
  }
}

@description('Name of the function app.')
output name string = functionApp.name

@description('Resource id of the function app (the postprovision hook refreshes its Key Vault references).')
output id string = functionApp.id

@description('Default host name of the function app, e.g. <name>.azurewebsites.net.')
output defaultHostName string = functionApp.properties.defaultHostName

@description('Name of the Flex Consumption plan.')
output planName string = plan.name
