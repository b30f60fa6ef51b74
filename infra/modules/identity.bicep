// The user-assigned managed identity the function app runs as. It is the only principal that gets
// data-plane roles (see rbac.bicep): storage (host + app data), App Insights ingestion, Key Vault secrets.

@description('Name of the user-assigned managed identity.')
param name string

@description('Azure region of the identity.')
param location string

@description('Tags applied to the identity.')
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

@description('Resource id of the identity (used for the app identity, Key Vault references and the deployment container).')
output id string = identity.id

@description('Client id of the identity (AzureWebJobsStorage__clientId, App Insights AAD auth).')
output clientId string = identity.properties.clientId

@description('Object (principal) id of the identity, for role assignments.')
output principalId string = identity.properties.principalId

@description('Name of the identity.')
output name string = identity.name
