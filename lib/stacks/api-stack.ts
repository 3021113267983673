import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { API_ROUTES, type ApiRoute, MODEL_CONTENT_TYPE, pathParameterNames } from '../api-routes';
import type { PipelineConfig } from '../config';
import { ServiceFunction } from '../constructs/service-function';
import { BAD_REQUEST_BODY } from '../gateway-responses';
import { type JsonObject, type RequestSchemaName, readRequestSchema } from '../schema-files';
import { STACK_OUTPUTS } from '../stack-outputs';
import { SERVICE_SPECS } from '../topology';
import type { KafkaStack } from './kafka-stack';
import type { NetworkStack } from './network-stack';
import type { ServicesStack } from './services-stack';

export interface ApiStackProps extends StackProps {
  readonly config: PipelineConfig;
  readonly network: NetworkStack;
  readonly kafka: KafkaStack;
  readonly services: ServicesStack;
}

/**
 * The REST API in front of the order-api function: IAM (SigV4) authorization on every method,
 * request bodies validated against the same JSON Schemas the handler compiles, stage throttling and
 * JSON access logs. The function lives here, not in the services stack, so the API's invoke
 * permission does not make the two stacks depend on each other.
 */
export class ApiStack extends Stack {
  readonly api: apigw.RestApi;
  readonly function: ServiceFunction;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const { config } = props;
    const spec = SERVICE_SPECS['order-api'];

    this.function = new ServiceFunction(this, 'OrderApiFunction', {
      serviceName: 'order-api',
      description: spec.description,
      entry: spec.entry,
      config,
      network: props.network,
      cluster: props.kafka.cluster,
      settings: spec,
    });
    props.services.wireService('order-api', this.function);

    const accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: config.logRetentionDays });
    this.api = new apigw.RestApi(this, 'Api', {
      description: 'Order pipeline entry point',
      cloudWatchRole: true,
      endpointTypes: [apigw.EndpointType.REGIONAL],
      defaultMethodOptions: { authorizationType: apigw.AuthorizationType.IAM },
      deployOptions: {
        stageName: config.profile,
        throttlingRateLimit: config.api.throttleRatePerSecond,
        throttlingBurstLimit: config.api.throttleBurst,
        loggingLevel: apigw.MethodLoggingLevel.ERROR,
        tracingEnabled: config.tracing,
        metricsEnabled: true,
        accessLogDestination: new apigw.LogGroupLogDestination(accessLogs),
        accessLogFormat: apigw.AccessLogFormat.jsonWithStandardFields(),
      },
    });

    const integration = new apigw.LambdaIntegration(this.function, { proxy: true });
    // One validator checks both: methods without a body model or required parameters pass it as-is.
    const validator = this.api.addRequestValidator('Validator', {
      requestValidatorName: 'body-and-parameters',
      validateRequestBody: true,
      validateRequestParameters: true,
    });

    // A body the model refuses gets the handler's 400 shape, naming what failed, instead of API
    // Gateway's bare {"message":"Invalid request body"}.
    this.api.addGatewayResponse('BadRequestBody', {
      type: apigw.ResponseType.of(BAD_REQUEST_BODY.type),
      statusCode: String(BAD_REQUEST_BODY.statusCode),
      templates: { [BAD_REQUEST_BODY.contentType]: BAD_REQUEST_BODY.template },
    });

    for (const route of API_ROUTES) {
      const resource = this.api.root.resourceForPath(route.path);
      resource.addMethod(route.method, integration, this.validated(route, validator));
    }

    // RestApi's own endpoint output is keyed `ApiEndpoint<hash>`; one key the tools can name instead.
    this.api.node.tryRemoveChild('Endpoint');
    new CfnOutput(this, STACK_OUTPUTS.Api.endpoint, {
      description: 'Invoke URL of the stage (SigV4-signed requests: curl --aws-sigv4, npm run smoke)',
      value: this.api.url,
    });
  }

  /** The validator, with the route's path parameters required and its body model, if it has one. */
  private validated(route: ApiRoute, validator: apigw.IRequestValidator): apigw.MethodOptions {
    const parameters = pathParameterNames(route.path);
    return {
      requestValidator: validator,
      ...(parameters.length > 0
        ? { requestParameters: Object.fromEntries(parameters.map((name) => [`method.request.path.${name}`, true])) }
        : {}),
      ...(route.bodyModel ? { requestModels: { [MODEL_CONTENT_TYPE]: this.model(route.bodyModel) } } : {}),
    };
  }

  private model(name: RequestSchemaName): apigw.IModel {
    return this.api.addModel(name, {
      modelName: name,
      contentType: MODEL_CONTENT_TYPE,
      schema: toApiGatewaySchema(readRequestSchema(name)),
    });
  }
}

/**
 * API Gateway models speak JSON Schema draft-04, and the request schemas are written in that subset
 * on purpose; CDK only wants `$schema` under the key `schema`.
 */
export function toApiGatewaySchema(schema: JsonObject): apigw.JsonSchema {
  const { $schema: _ignored, ...rest } = schema;
  return { ...(rest as apigw.JsonSchema), schema: apigw.JsonSchemaVersion.DRAFT4 };
}
