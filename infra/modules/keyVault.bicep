// Key Vault in RBAC mode holding the app's secrets. The app reads them through Key Vault references
// (@Microsoft.KeyVault(SecretUri=...)) resolved with its user-assigned identity, which holds
// Key Vault Secrets User on each of these secrets (rbac.bicep), not on the vault.
//
// The webhook secret is always written (the app cannot start without it). The Go1 client secret is written
// when the deployment has Go1 credentials (main.bicep requires the client id and secret together).

@description('Name of the Key Vault (3-24 characters, globally unique).')
@minLength(3)
@maxLength(24)
param name string

@description('Azure region of the Key Vault.')
param location string

@description('Tags applied to the Key Vault.')
param tags object

@description('Turn on purge protection. Once on it cannot be turned off, and the vault name stays reserved until the retention period ends.')
param enablePurgeProtection bool

@description('Days a deleted vault or secret can be recovered.')
@minValue(7)
@maxValue(90)
param softDeleteRetentionInDays int

@description('Name of the vault entry that holds the Go1 client secret.')
param go1ClientEntryName string

@description('Name of the vault entry that holds the webhook secret.')
param webhookEntryName string

@secure()
@description('Go1 OAuth client secret (Go1__ClientSecret). Empty: no Go1 credentials, the secret is not written.')
param go1ClientSecret string

@secure()
@description('Current Go1 webhook signing secret (Webhook__Secrets__0), 24 to 64 characters.')
@minLength(24)
@maxLength(64)
param webhookSecret0 string

@description('True: reachable only through its private endpoint (network.bicep); false: public endpoint, Entra ID only.')
param privateNetworking bool

@description('Resource id of the Log Analytics workspace that receives the vault\'s audit logs.')
param logAnalyticsWorkspaceId string


resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: softDeleteRetentionInDays
    // The API rejects an explicit false: purge protection is either on or absent.
    enablePurgeProtection: enablePurgeProtection ? true : null
    enabledForDeployment: false
    enabledForDiskEncryption: false
    enabledForTemplateDeployment: false
    // Private networking: private endpoint only (deployments still write secrets: that goes through Azure
    // Resource Manager). Without it the app resolves its Key Vault references from addresses that are neither
    // fixed nor a trusted service, so the public endpoint stays open and RBAC on each secret is the boundary.
    publicNetworkAccess: privateNetworking ? 'Disabled' : 'Enabled'
    networkAcls: {
      bypass: privateNetworking ? 'None' : 'AzureServices'
      defaultAction: privateNetworking ? 'Deny' : 'Allow'
    }
  }
}

resource go1ClientSecretResource 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(go1ClientSecret)) {
  parent: vault
  name: go1ClientEntryName
  properties: {
    value: go1ClientSecret
    contentType: 'text/plain'
  }
}

resource webhookSecret0Resource 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: webhookEntryName
  properties: {
    value: webhookSecret0
    contentType: 'text/plain'
  }
}

// Audit logs (every secret read, by whom) and policy evaluations to Log Analytics.
resource diagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: vault
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

@description('Name of the Key Vault.')
output name string = vault.name

@description('Vault URI, e.g. https://<name>.vault.azure.net/.')
output uri string = vault.properties.vaultUri

@description('Versionless URIs of the vault entries the app settings reference (the latest version is always used). URIs only, never values.')
output keyVaultReferenceUris object = {
  go1Client: '${vault.properties.vaultUri}secrets/${go1ClientEntryName}'
  webhook0: '${vault.properties.vaultUri}secrets/${webhookEntryName}'
}
