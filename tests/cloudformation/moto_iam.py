"""moto_server that also checks the resources of CloudWatch Logs calls.

With INITIAL_NO_AUTH_ACTION_COUNT set, moto 5.2.5 enforces IAM policies,
but it checks every CloudWatch Logs call against the resource "*", which a
policy scoped to one log group never matches. Here a call is allowed only
if the caller's policies allow it on every ARN CloudWatch Logs may evaluate
for it: the group it names, in both forms the service documents
(log-group:NAME and log-group:NAME:*), and the stream when it names one.
Calls that name no group keep moto's "*".

Arguments are moto_server's (-H HOST -p PORT).
"""

from moto.logs.responses import LogsResponse
from moto.server import main

_authorize = LogsResponse._authenticate_and_authorize_normal_action


def _resources(response):
    group = response._get_param("logGroupName")
    if not group:
        return ["*"]
    arn = f"arn:aws:logs:{response.region}:{response.current_account}:log-group:{group}"
    arns = [arn, arn + ":*"]
    stream = response._get_param("logStreamName")
    if stream:
        arns.append(f"{arn}:log-stream:{stream}")
    return arns


def _authorize_on_group(self, resource="*"):
    for arn in _resources(self):
        _authorize(self, arn)


LogsResponse._authenticate_and_authorize_normal_action = _authorize_on_group

if __name__ == "__main__":
    main()
