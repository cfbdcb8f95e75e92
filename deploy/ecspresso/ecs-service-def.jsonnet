// slo serve's ECS service: one task, replaced with the circuit breaker on (a task that never
// becomes healthy rolls the deployment back by itself).
local tfstate = std.native('tfstate');
local out(name) = tfstate('output.slo.' + name);
local targetGroup = out('target_group_arn');

{
  launchType: 'FARGATE',
  platformVersion: 'LATEST',
  schedulingStrategy: 'REPLICA',
  // Two tasks share the DynamoDB journal (each notice is claimed before it is sent and its
  // delivery recorded on the claim), so the overlap of a rolling deployment sends a notice
  // twice only if a task dies between sending and recording it (README: "At least once").
  desiredCount: 1,
  deploymentConfiguration: {
    deploymentCircuitBreaker: { enable: true, rollback: true },
    maximumPercent: 200,
    minimumHealthyPercent: 100,
  },
  networkConfiguration: {
    awsvpcConfiguration: {
      subnets: out('subnet_ids'),
      securityGroups: [out('security_group_id')],
      assignPublicIp: 'DISABLED',
    },
  },
  loadBalancers: if targetGroup == null then [] else [
    { targetGroupArn: targetGroup, containerName: 'slo', containerPort: 8080 },
  ],
  [if targetGroup != null then 'healthCheckGracePeriodSeconds']: 30,
  enableECSManagedTags: true,
  propagateTags: 'SERVICE',
  enableExecuteCommand: false,
}
