// Every GraphQL document of the console: one query per view (or graph expansion), and the
// mutations of its buttons. graphql-codegen types them into src/gql.

import { graphql } from "../gql";

graphql(`
  fragment ConsolePlanSummary on PlanSummary {
    planId
    image
    entrypoint
    args
    name
    annotations
  }
`);

graphql(`
  fragment ConsoleRunSummary on RunSummary {
    runId
    status
    updatedAt
    exit { code message }
    plan { ...ConsolePlanSummary }
  }
`);

graphql(`
  fragment ConsoleData on Data {
    knitId
    tags
    contentDigest
    contentSize
    metrics { name value }
    upstream {
      mountpoint { path tags }
      log { tags }
      run { ...ConsoleRunSummary }
    }
    downstreams {
      mountpoint { path tags }
      run { ...ConsoleRunSummary }
    }
    nomination {
      path
      tags
      plan { ...ConsolePlanSummary }
    }
    history { action by at }
  }
`);

export const SignInCheck = graphql(`
  query ConsoleSignInCheck {
    server { version }
  }
`);

export const DataList = graphql(`
  query ConsoleDataList($tags: [String!], $transient: Transient!, $since: String, $duration: String) {
    findData(tags: $tags, transient: $transient, since: $since, duration: $duration) {
      knitId
      tags
      upstream {
        mountpoint { path }
        log { tags }
        run { runId status plan { ...ConsolePlanSummary } }
      }
    }
  }
`);

export const TagSuggestions = graphql(`
  query ConsoleTagSuggestions($prefix: String!, $limit: Int!) {
    tagSuggestions(prefix: $prefix, limit: $limit) { tag dataCount }
  }
`);

export const DataPage = graphql(`
  query ConsoleDataPage($knitId: ID!) {
    data(knitId: $knitId) { ...ConsoleData }
  }
`);

export const TagData = graphql(`
  mutation ConsoleTagData($knitId: ID!, $add: [String!], $remove: [String!]) {
    tagData(knitId: $knitId, add: $add, remove: $remove) { ...ConsoleData }
  }
`);

graphql(`
  fragment ConsoleRun on Run {
    runId
    status
    updatedAt
    readyAt
    startedAt
    finishedAt
    exit { code message }
    plan { ...ConsolePlanSummary }
    inputs { path tags knitId }
    outputs { path tags knitId }
    log { tags knitId }
    executor
    history { action by at }
    metrics { name value }
    notBefore
    supersededBy
    supersedes
    supersededAt
    attempts { number exit { code message } startedAt finishedAt executor logFile }
  }
`);

export const RunList = graphql(`
  query ConsoleRunList($planIds: [String!], $statuses: [RunStatus!], $inKnitIds: [String!], $outKnitIds: [String!],
                       $since: String, $duration: String) {
    findRuns(planIds: $planIds, statuses: $statuses, inKnitIds: $inKnitIds, outKnitIds: $outKnitIds,
             since: $since, duration: $duration) {
      runId
      status
      updatedAt
      exit { code message }
      plan { ...ConsolePlanSummary }
      executor
    }
  }
`);

export const RunPage = graphql(`
  query ConsoleRunPage($runId: ID!) {
    run(runId: $runId) { ...ConsoleRun }
  }
`);

export const StopRun = graphql(`
  mutation ConsoleStopRun($runId: ID!, $fail: Boolean!) {
    stopRun(runId: $runId, fail: $fail) { ...ConsoleRun }
  }
`);

export const RetryRun = graphql(`
  mutation ConsoleRetryRun($runId: ID!) {
    retryRun(runId: $runId) { ...ConsoleRun }
  }
`);

graphql(`
  fragment ConsolePlan on Plan {
    planId
    image
    entrypoint
    args
    name
    annotations
    active
    resources
    service_account
    on_node { may prefer must }
    inputs {
      path
      tags
      upstreams { plan { ...ConsolePlanSummary } mountpoint { path tags } log { tags } }
    }
    outputs {
      path
      tags
      downstreams { plan { ...ConsolePlanSummary } mountpoint { path tags } }
    }
    log {
      tags
      downstreams { plan { ...ConsolePlanSummary } mountpoint { path tags } }
    }
  }
`);

export const PlanList = graphql(`
  query ConsolePlanList($active: Boolean, $image: String) {
    findPlans(active: $active, image: $image) {
      planId
      image
      entrypoint
      args
      name
      annotations
      active
      inputs { path tags }
      outputs { path tags }
      log { tags }
    }
  }
`);

export const PlanPage = graphql(`
  query ConsolePlanPage($planId: ID!, $planIds: [String!]!) {
    plan(planId: $planId) { ...ConsolePlan }
    planExecution(planId: $planId) {
      executor
      imageUsed
      network
      why
      notices { level message advice }
    }
    findRuns(planIds: $planIds) {
      runId
      status
      updatedAt
      exit { code message }
      executor
    }
  }
`);

export const SetPlanActive = graphql(`
  mutation ConsoleSetPlanActive($planId: ID!, $active: Boolean!) {
    setPlanActive(planId: $planId, active: $active) { ...ConsolePlan }
  }
`);

export const Lineage = graphql(`
  query ConsoleLineage($knitId: ID!, $upstream: Boolean!, $downstream: Boolean!, $depth: Int, $maxNodes: Int!,
                       $statuses: [RunStatus!]) {
    lineage(knitId: $knitId, upstream: $upstream, downstream: $downstream, depth: $depth, maxNodes: $maxNodes,
            statuses: $statuses) {
      start
      truncated
      omittedRuns
      data { knitId tags timestamp transient isStart }
      runs { step run { ...ConsoleRunSummary } }
      edges { knitId runId kind path }
    }
  }
`);

export const PlanGraph = graphql(`
  query ConsolePlanGraph($planId: ID!, $upstream: Boolean!, $downstream: Boolean!, $depth: Int, $maxNodes: Int!) {
    planGraph(planId: $planId, upstream: $upstream, downstream: $downstream, depth: $depth, maxNodes: $maxNodes) {
      start
      truncated
      omittedPlans
      plans {
        planId image name annotations active step
        inputs { path tags }
        outputs { path tags }
        log { path tags }
      }
      edges { fromPlanId fromPath toPlanId toPath }
    }
  }
`);

export const Experiments = graphql(`
  query ConsoleExperiments {
    experiments { name pipelineRuns pipelines lastRunAt }
  }
`);

export const Experiment = graphql(`
  query ConsoleExperiment($experiment: String!) {
    pipelineRuns(experiment: $experiment, limit: 1000) {
      knitId
      pipeline
      createdAt
      status
      steps
      parameters { name value }
      metrics { name value }
      runs { step run { runId status } }
    }
  }
`);
