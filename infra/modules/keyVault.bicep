// Key Vault in RBAC mode holding the app's secrets. The app reads them through Key Vault references
// (@Microsoft.KeyVault(SecretUri=...)) resolved with its user-assigned identity, which holds
// Key Vault Secrets User on this vault (rbac.bicep).
//
// A secret is written only when its parameter is non-empty. Leave a parameter empty to manage that
// secret out of band (`az keyvault secret set`); a later deployment with the empty value leaves it alone.

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

@secure()
@description('Go1 OAuth client secret (Go1__ClientSecret). Empty: do not write the secret.')
param go1ClientSecret string

@secure()
@description('Current Go1 webhook signing secret (Webhook__Secrets__0). Empty: do not write the secret.')
param webhookSecret0 string

// Secret names in the vault. The app settings point at these through keyVaultReferenceUris.
var go1ClientSecretName = 'Go1ClientSecret'
var webhookSecret0Name = 'WebhookSecret0'

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
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: 'Allow'
    }
  }
}

resource go1ClientSecretResource 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(go1ClientSecret)) {
  parent: vault
  name: go1ClientSecretName
  properties: {
    value: go1ClientSecret
    contentType: 'text/plain'
  }
}

resource webhookSecret0Resource 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(webhookSecret0)) {
  parent: vault
  name: webhookSecret0Name
  properties: {
    value: webhookSecret0
    contentType: 'text/plain'
  }
}

@description('Name of the Key Vault.')
output name string = vault.name

@description('Vault URI, e.g. https://<name>.vault.azure.net/.')
output uri string = vault.properties.vaultUri

@description('Versionless URIs of the vault entries the app settings reference (the latest version is always used). URIs only, never values.')
output keyVaultReferenceUris object = {
  go1Client: '${vault.properties.vaultUri}secrets/${go1ClientSecretName}'
  webhook0: '${vault.properties.vaultUri}secrets/${webhookSecret0Name}'
}
