// Operational alerts of the Go1 sync app: eight log search alert rules (scheduledQueryRules, kind
// LogAlert) on the Application Insights component, plus an optional e-mail action group.
//
// Scope: every rule queries the App Insights component (classic table names: requests,
// customMetrics, traces), the same resource the workbook is attached to.
//
// Notifications: when alertEmail is set, an action group with that e-mail receiver is created;
// when alertActionGroupId is set, that existing action group is notified too. With both empty
// the rules are still created and fire in the portal (Monitor > Alerts), but notify nobody.
//
// Custom metrics come from the OpenTelemetry meter "Go1Sync" (customMetrics: gauges carry the
// last value in `value`; counters the delta per export interval in `valueSum`).

@description('Azure region of the alert rules (action groups are always global).')
param location string

@description('Tags applied to the alert rules and the action group.')
param tags object

@description('Name of the Application Insights component the rules query.')
param applicationInsightsName string

@description('Prefix of the alert rule and action group names, e.g. "go1sync-abc123".')
param namePrefix string

@description('E-mail address notified by a new action group. Empty: no action group is created.')
param alertEmail string

@description('Resource id of an existing action group to notify as well. Empty: none.')
param alertActionGroupId string

@description('Function failures alert: fire when more than this many invocations fail in 15 minutes (per function).')
@minValue(0)
param failureThreshold int

@description('Stale queue alert: fire when the oldest queued message is older than this many seconds.')
@minValue(1)
param oldestMessageAgeSeconds int

@description('Reconciliation alert: fire when Go1\'s completed enrolments were last read completely longer ago than this many seconds.')
@minValue(900)
param watermarkAgeSeconds int

@description('Outbound webhooks alert: fire when the outbound endpoint has failed more than this many times in a row (go1sync.outbound.consecutive_failures).')
@minValue(1)
param outboundFailureThreshold int

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource emailActionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = if (!empty(alertEmail)) {
  name: 'ag-${namePrefix}'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'go1sync' // at most 12 characters; shown in SMS and e-mail subjects
    enabled: true
    emailReceivers: [
      {
        name: 'operator'
        emailAddress: alertEmail
        useCommonAlertSchema: true
      }
    ]
  }
}

// The action groups every rule notifies: the new e-mail group and/or the existing one; may be empty.
var actionGroupIds = concat(
  empty(alertEmail) ? [] : [emailActionGroup.id],
  empty(alertActionGroupId) ? [] : [alertActionGroupId]
)

// Single evaluation period: fire as soon as one evaluation breaches.
var oneOfOne = {
  numberOfEvaluationPeriods: 1
  minFailingPeriodsToAlert: 1
}

resource poisonMessages 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: '${namePrefix}-poison-messages'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'Go1 sync: poison messages present'
    description: 'Messages are in the attempt-events poison queue (go1sync.poison.depth > 0): they failed every delivery attempt and are not processed. The Error traces "Message ... failed on delivery ..." show why. Fix the cause (Go1 API, storage, a bug), then run `go1sync poison list` and `go1sync poison replay`.'
    severity: 1
    enabled: true
    scopes: [
      applicationInsights.id
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    autoMitigate: true
    criteria: {
      allOf: [
        {
          query: '''
customMetrics
| where name == 'go1sync.poison.depth'
| summarize PoisonDepth = max(value)
'''
          timeAggregation: 'Maximum'
          metricMeasureColumn: 'PoisonDepth'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: oneOfOne
        }
      ]
    }
    actions: {
      actionGroups: actionGroupIds
    }
  }
}

resource functionFailures 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: '${namePrefix}-function-failures'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'Go1 sync: function failures'
    description: 'More than the configured number of invocations of one function failed in 15 minutes (requests with success == false; the FunctionName dimension says which). Open the failed requests and their exceptions in Application Insights (Failures blade or the Go1 sync workbook); webhook or queue failures are retried, but persistent ones end in the poison queue.'
    severity: 2
    enabled: true
    scopes: [
      applicationInsights.id
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    autoMitigate: true
    criteria: {
      allOf: [
        {
          query: '''
requests
| where success == false
| summarize Failures = count() by FunctionName = name
'''
          timeAggregation: 'Total'
          metricMeasureColumn: 'Failures'
          dimensions: [
            {
              name: 'FunctionName'
              operator: 'Include'
              values: [
                '*'
              ]
            }
          ]
          operator: 'GreaterThan'
          threshold: failureThreshold
          failingPeriods: oneOfOne
        }
      ]
    }
    actions: {
      actionGroups: actionGroupIds
    }
  }
}

resource staleQueue 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: '${namePrefix}-stale-queue'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'Go1 sync: queued messages are not being processed'
    description: 'The oldest message in the attempt-events queue is older than the configured threshold (go1sync.queue.oldest_age, seconds): events are received but not applied, so course statistics lag behind. Check the function failures alert and the AttemptEvents failures, the storage account (availability, role assignments of the app identity) and whether the app is running and scaling.'
    severity: 2
    enabled: true
    scopes: [
      applicationInsights.id
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    autoMitigate: true
    criteria: {
      allOf: [
        {
          query: '''
customMetrics
| where name == 'go1sync.queue.oldest_age'
| summarize OldestAgeSeconds = max(value)
'''
          timeAggregation: 'Maximum'
          metricMeasureColumn: 'OldestAgeSeconds'
          operator: 'GreaterThan'
          threshold: oldestMessageAgeSeconds
          failingPeriods: oneOfOne
        }
      ]
    }
    actions: {
      actionGroups: actionGroupIds
    }
  }
}

resource parkedMessages 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: '${namePrefix}-parked-messages'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'Go1 sync: parked completions need an operator'
    description: 'Completions are parked (go1sync.parked.count > 0): they could not be matched (e.g. unknown course or attempt) and wait for an operator. Run `go1sync parked list`, fix the missing data (course, learner, cutover) and let them be re-applied.'
    severity: 3
    enabled: true
    scopes: [
      applicationInsights.id
    ]
    evaluationFrequency: 'PT15M'
    windowSize: 'PT30M'
    autoMitigate: true
    criteria: {
      allOf: [
        {
          query: '''
customMetrics
| where name == 'go1sync.parked.count'
| summarize ParkedCount = max(value)
'''
          timeAggregation: 'Maximum'
          metricMeasureColumn: 'ParkedCount'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: oneOfOne
        }
      ]
    }
    actions: {
      actionGroups: actionGroupIds
    }
  }
}

resource sweepNotRunning 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: '${namePrefix}-sweep-not-running'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'Go1 sync: reconciliation sweep not running'
    description: 'No run of the Sweep timer function in the last 30 minutes (no requests named Sweep): completions missed by the webhook are no longer recovered. Check that the function app is running, the Sweep function is enabled and not failing, and that the SweepSchedule app setting fires at least every 30 minutes.'
    severity: 2
    enabled: true
    scopes: [
      applicationInsights.id
    ]
    evaluationFrequency: 'PT10M'
    windowSize: 'PT30M'
    autoMitigate: true
    criteria: {
      allOf: [
        {
          // summarize without "by" returns one row even when there are no requests: Runs = 0.
          query: '''
requests
| where name == 'Sweep'
| summarize Runs = count()
'''
          timeAggregation: 'Total'
          metricMeasureColumn: 'Runs'
          operator: 'LessThan'
          threshold: 1
          failingPeriods: oneOfOne
        }
      ]
    }
    actions: {
      actionGroups: actionGroupIds
    }
  }
}

resource reconciliationStale 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: '${namePrefix}-reconciliation-stale'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'Go1 sync: reconciliation with Go1 is behind'
    description: 'Go1\'s list of completed enrolments was last read completely longer ago than the threshold (go1sync.reconcile.watermark_age, seconds): completions whose webhook was lost are not recovered until the Reconcile function succeeds again. Look at the Reconcile failures and the reconciliation check of /api/health (Go1 credentials, Go1 answering 429/5xx), check that ReconcileSchedule fires, and run go1sync reconcile --once to see the error.'
    severity: 2
    enabled: true
    scopes: [
      applicationInsights.id
    ]
    evaluationFrequency: 'PT15M'
    windowSize: 'PT30M'
    autoMitigate: true
    criteria: {
      allOf: [
        {
          query: '''
customMetrics
| where name == 'go1sync.reconcile.watermark_age'
| summarize WatermarkAgeSeconds = min(value)
'''
          timeAggregation: 'Maximum'
          metricMeasureColumn: 'WatermarkAgeSeconds'
          operator: 'GreaterThan'
          threshold: watermarkAgeSeconds
          failingPeriods: oneOfOne
        }
      ]
    }
    actions: {
      actionGroups: actionGroupIds
    }
  }
}

resource outboundFailing 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: '${namePrefix}-outbound-failing'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'Go1 sync: the LMS webhook endpoint keeps failing'
    description: 'The outbound webhook endpoint (Outbound__Url) failed more times in a row than the threshold (go1sync.outbound.consecutive_failures): changes wait and are retried on the schedule 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h, then parked. Run go1sync outbound list to see the last status and error, and check the LMS receiver (its URL, certificate, signature check with Outbound__Secret).'
    severity: 2
    enabled: true
    scopes: [
      applicationInsights.id
    ]
    evaluationFrequency: 'PT15M'
    windowSize: 'PT30M'
    autoMitigate: true
    criteria: {
      allOf: [
        {
          query: '''
customMetrics
| where name == 'go1sync.outbound.consecutive_failures'
| summarize ConsecutiveFailures = max(value)
'''
          timeAggregation: 'Maximum'
          metricMeasureColumn: 'ConsecutiveFailures'
          operator: 'GreaterThan'
          threshold: outboundFailureThreshold
          failingPeriods: oneOfOne
        }
      ]
    }
    actions: {
      actionGroups: actionGroupIds
    }
  }
}

resource outboundStopped 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: '${namePrefix}-outbound-stopped'
  location: location
  tags: tags
  kind: 'LogAlert'
  properties: {
    displayName: 'Go1 sync: LMS webhooks stopped or a change was parked'
    description: 'The outbound webhooks need an operator: the endpoint answered 410 Gone and is disabled, or its cursor aged out of the change feed (resynchronisation needed), or a change was parked after its retries ran out (go1sync.outbound.stopped, go1sync.outbound.parked). Run go1sync outbound list; then go1sync outbound enable, go1sync outbound redeliver --from latest after the LMS resynchronised, or go1sync outbound redeliver --all-failed.'
    severity: 1
    enabled: true
    scopes: [
      applicationInsights.id
    ]
    evaluationFrequency: 'PT15M'
    windowSize: 'PT30M'
    autoMitigate: true
    criteria: {
      allOf: [
        {
          query: '''
customMetrics
| where name == 'go1sync.outbound.stopped' or name == 'go1sync.outbound.parked'
| summarize Stopped = max(value)
'''
          timeAggregation: 'Maximum'
          metricMeasureColumn: 'Stopped'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: oneOfOne
        }
      ]
    }
    actions: {
      actionGroups: actionGroupIds
    }
  }
}

@description('Names of the alert rules.')
output alertRuleNames string[] = [
  poisonMessages.name
  functionFailures.name
  staleQueue.name
  parkedMessages.name
  sweepNotRunning.name
  reconciliationStale.name
  outboundFailing.name
  outboundStopped.name
]

@description('Resource ids of the action groups the rules notify (empty when no receiver was configured).')
output actionGroupIds string[] = actionGroupIds
