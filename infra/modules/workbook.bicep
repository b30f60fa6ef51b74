// Shared Azure Monitor workbook "Go1 sync operations" on the Application Insights component:
// current queue/poison/parked state, throughput, lag percentiles, failures, poison and parked over
// time, concurrency conflicts and sweep recoveries. The definition is the Bicep object below,
// serialized with string() (workbook schema Notebook/1.0); queries use the App Insights table names.
//
// Metric shapes in customMetrics (OpenTelemetry meter "Go1Sync", Azure Monitor exporter):
//   counters   one row per export interval, the delta in valueSum
//   gauges     one row per export interval, the observed value in value
//   histograms one row per export interval with valueCount/valueSum/valueMin/valueMax (no buckets)

@description('Azure region of the workbook.')
param location string

@description('Tags applied to the workbook.')
param tags object

@description('Name of the Application Insights component the workbook is attached to and queries.')
param applicationInsightsName string

@description('Display name of the workbook in the portal.')
param displayName string = 'Go1 sync operations'

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

var resourceType = 'microsoft.insights/components'
var timeRangeParameterId = 'b7a5c7a2-4c1e-4f0a-9d1e-5f6b2d8e3c10'
var timeContext = {
  durationMs: 86400000
}

var workbookContent = {
  version: 'Notebook/1.0'
  items: [
    {
      type: 1
      name: 'intro'
      content: {
        json: '## Go1 course-statistics sync\nWebhook deliveries received, queued events applied, lag from HTTP receipt to applied, failures, and the queues an operator has to look at (poison: `go1sync poison list` / `go1sync poison replay`; parked: `go1sync parked list`). Lag percentiles are computed from per-interval averages (the exporter sends no histogram buckets): read them as approximate, and the max column as exact.'
      }
    }
    {
      type: 9
      name: 'parameters'
      content: {
        version: 'KqlParameterItem/1.0'
        style: 'pills'
        queryType: 0
        resourceType: resourceType
        parameters: [
          {
            id: timeRangeParameterId
            version: 'KqlParameterItem/1.0'
            name: 'TimeRange'
            label: 'Time range'
            type: 4
            isRequired: true
            value: {
              durationMs: 86400000
            }
            typeSettings: {
              allowCustom: true
              selectableValues: [
                { durationMs: 3600000 }
                { durationMs: 14400000 }
                { durationMs: 43200000 }
                { durationMs: 86400000 }
                { durationMs: 259200000 }
                { durationMs: 604800000 }
                { durationMs: 2592000000 }
              ]
            }
          }
        ]
      }
    }
    {
      type: 3
      name: 'current-state'
      customWidth: '100'
      content: {
        version: 'KqlItem/1.0'
        title: 'Now: queue depth, oldest message (s), poison depth, parked completions'
        query: '''
customMetrics
| where name in ('go1sync.queue.depth', 'go1sync.queue.oldest_age', 'go1sync.poison.depth', 'go1sync.parked.count')
| summarize arg_max(timestamp, value) by name
| project Metric = name, Value = value, AsOf = timestamp
'''
        size: 0
        queryType: 0
        resourceType: resourceType
        timeContextFromParameter: 'TimeRange'
        timeContext: timeContext
        visualization: 'tiles'
        tileSettings: {
          showBorder: false
          titleContent: {
            columnMatch: 'Metric'
          }
          leftContent: {
            columnMatch: 'Value'
            formatter: 12
          }
        }
      }
    }
    {
      type: 3
      name: 'events-received'
      customWidth: '50'
      content: {
        version: 'KqlItem/1.0'
        title: 'Events received per 5 min, by kind (go1sync.events.received)'
        query: '''
customMetrics
| where name == 'go1sync.events.received'
| extend kind = tostring(customDimensions['kind'])
| summarize Events = sum(valueSum) by bin(timestamp, 5m), kind
| render timechart
'''
        size: 0
        queryType: 0
        resourceType: resourceType
        timeContextFromParameter: 'TimeRange'
        timeContext: timeContext
        visualization: 'timechart'
      }
    }
    {
      type: 3
      name: 'events-processed'
      customWidth: '50'
      content: {
        version: 'KqlItem/1.0'
        title: 'Events processed per 5 min, by kind / outcome (go1sync.events.processed)'
        query: '''
customMetrics
| where name == 'go1sync.events.processed'
| extend series = strcat(tostring(customDimensions['kind']), ' / ', tostring(customDimensions['outcome']))
| summarize Events = sum(valueSum) by bin(timestamp, 5m), series
| render timechart
'''
        size: 0
        queryType: 0
        resourceType: resourceType
        timeContextFromParameter: 'TimeRange'
        timeContext: timeContext
        visualization: 'timechart'
      }
    }
    {
      type: 3
      name: 'lag-percentiles'
      customWidth: '50'
      content: {
        version: 'KqlItem/1.0'
        title: 'Lag from HTTP receipt to applied, ms (go1sync.events.lag): p50 / p95 / p99 (approximate) and max'
        query: '''
customMetrics
| where name == 'go1sync.events.lag' and valueCount > 0
| extend avgMs = valueSum / valueCount
| summarize (p50, p95, p99) = percentilesw(avgMs, valueCount, 50, 95, 99), max_ms = max(valueMax) by bin(timestamp, 5m)
| render timechart
'''
        size: 0
        queryType: 0
        resourceType: resourceType
        timeContextFromParameter: 'TimeRange'
        timeContext: timeContext
        visualization: 'timechart'
      }
    }
    {
      type: 3
      name: 'processing-time'
      customWidth: '50'
      content: {
        version: 'KqlItem/1.0'
        title: 'Processing time per event, ms (go1sync.events.processing_time): average and max'
        query: '''
customMetrics
| where name == 'go1sync.events.processing_time' and valueCount > 0
| summarize avg_ms = sum(valueSum) / sum(valueCount), max_ms = max(valueMax) by bin(timestamp, 5m)
| render timechart
'''
        size: 0
        queryType: 0
        resourceType: resourceType
        timeContextFromParameter: 'TimeRange'
        timeContext: timeContext
        visualization: 'timechart'
      }
    }
    {
      type: 3
      name: 'failures-by-function'
      customWidth: '50'
      content: {
        version: 'KqlItem/1.0'
        title: 'Failed invocations per 5 min, by function (requests where success == false)'
        query: '''
requests
| where success == false
| summarize Failures = count() by bin(timestamp, 5m), FunctionName = name
| render timechart
'''
        size: 0
        queryType: 0
        resourceType: resourceType
        timeContextFromParameter: 'TimeRange'
        timeContext: timeContext
        visualization: 'timechart'
      }
    }
    {
      type: 3
      name: 'poison-and-parked'
      customWidth: '50'
      content: {
        version: 'KqlItem/1.0'
        title: 'Poison queue depth and parked completions over time (go1sync.poison.depth, go1sync.parked.count)'
        query: '''
customMetrics
| where name in ('go1sync.poison.depth', 'go1sync.parked.count')
| summarize Value = max(value) by bin(timestamp, 5m), name
| render timechart
'''
        size: 0
        queryType: 0
        resourceType: resourceType
        timeContextFromParameter: 'TimeRange'
        timeContext: timeContext
        visualization: 'timechart'
      }
    }
    {
      type: 3
      name: 'queue'
      customWidth: '50'
      content: {
        version: 'KqlItem/1.0'
        title: 'Queue depth and oldest message age, s (go1sync.queue.depth, go1sync.queue.oldest_age)'
        query: '''
customMetrics
| where name in ('go1sync.queue.depth', 'go1sync.queue.oldest_age')
| summarize Value = max(value) by bin(timestamp, 5m), name
| render timechart
'''
        size: 0
        queryType: 0
        resourceType: resourceType
        timeContextFromParameter: 'TimeRange'
        timeContext: timeContext
        visualization: 'timechart'
      }
    }
    {
      type: 3
      name: 'conflicts-and-recoveries'
      customWidth: '50'
      content: {
        version: 'KqlItem/1.0'
        title: 'Concurrency conflicts and sweep recoveries per 5 min (go1sync.concurrency.conflicts, go1sync.sweep.recoveries)'
        query: '''
customMetrics
| where name in ('go1sync.concurrency.conflicts', 'go1sync.sweep.recoveries')
| summarize Count = sum(valueSum) by bin(timestamp, 5m), name
| render timechart
'''
        size: 0
        queryType: 0
        resourceType: resourceType
        timeContextFromParameter: 'TimeRange'
        timeContext: timeContext
        visualization: 'timechart'
      }
    }
    {
      type: 3
      name: 'poison-traces'
      customWidth: '100'
      content: {
        version: 'KqlItem/1.0'
        title: 'Latest poisoned messages (Error traces "Message ... failed on delivery ...")'
        query: '''
traces
| where severityLevel >= 3 and message has 'failed on delivery'
| project timestamp, message, operation_Name, cloud_RoleInstance
| top 50 by timestamp desc
'''
        size: 0
        queryType: 0
        resourceType: resourceType
        timeContextFromParameter: 'TimeRange'
        timeContext: timeContext
        visualization: 'table'
      }
    }
  ]
  fallbackResourceIds: [
    applicationInsights.id
  ]
  '$schema': 'https://github.com/Microsoft/Application-Insights-Workbooks/blob/master/schema/workbook.json'
}

resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  // Workbook names must be GUIDs; deterministic so redeployments update the same workbook.
  name: guid(applicationInsights.id, 'go1sync-operations-workbook')
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: displayName
    category: 'workbook'
    sourceId: applicationInsights.id
    version: 'Notebook/1.0'
    serializedData: string(workbookContent)
  }
}

@description('Resource id of the workbook.')
output id string = workbook.id

@description('Name (GUID) of the workbook.')
output name string = workbook.name
