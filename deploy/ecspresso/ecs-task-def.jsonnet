// slo serve's task: 0.25 vCPU, 0.5 GB, one read-only container running as non-root.
local tfstate = std.native('tfstate');
local must_env = std.native('must_env');
local env = std.native('env');
local out(name) = tfstate('output.slo.' + name);
local port = 8080;
local webhook = out('slack_webhook_secret_arn');

{
  family: out('service'),
  requiresCompatibilities: ['FARGATE'],
  networkMode: 'awsvpc',
  cpu: '256',
  memory: '512',
  runtimePlatform: { cpuArchitecture: 'X86_64', operatingSystemFamily: 'LINUX' },
  taskRoleArn: out('task_role_arn'),
  executionRoleArn: out('execution_role_arn'),
  containerDefinitions: [
    {
      name: 'slo',
      image: out('repository_url') + ':' + must_env('IMAGE_TAG'),
      essential: true,
      readonlyRootFilesystem: true,
      // The image's own user (65532, "nonroot"); stated again so a rebuilt image cannot drop it.
      user: '65532:65532',
      portMappings: [{ name: 'http', containerPort: port, protocol: 'tcp' }],
      environment: [
        { name: 'SLO_LISTEN', value: '0.0.0.0:%d' % port },
        { name: 'SLO_STATE', value: 'dynamodb://' + out('journal_table') },
        { name: 'SLO_REFRESH', value: env('SLO_REFRESH', '5m') },
        { name: 'AWS_REGION', value: must_env('AWS_REGION') },
        { name: 'RUST_LOG', value: env('RUST_LOG', 'info') },
      ],
      // The webhook URL is a credential: ECS reads it from Secrets Manager when the task starts.
      secrets: if webhook == null then [] else [
        { name: 'SLACK_WEBHOOK_URL', valueFrom: webhook },
      ],
      // No shell in a FROM scratch image: the binary asks its own /healthz.
      healthCheck: {
        command: ['CMD', '/slo', 'probe', '--path', '/healthz'],
        interval: 15,
        timeout: 5,
        retries: 3,
        startPeriod: 20,
      },
      // slo serve drains for up to 25 s after SIGTERM; SIGKILL comes 30 s after it.
      stopTimeout: 30,
      logConfiguration: {
        logDriver: 'awslogs',
        options: {
          'awslogs-group': out('log_group_name'),
          'awslogs-region': must_env('AWS_REGION'),
          'awslogs-stream-prefix': 'slo',
          mode: 'non-blocking',
          'max-buffer-size': '4m',
        },
      },
    },
  ],
}
