import { API_ROUTES, apiResources, apiRoute, pathParameterNames, pathPattern, routeKey } from '../../lib/api-routes';
import { matchRoute } from '../../local/api-gateway-routes';

describe('Module: api-routes', () => {
  describe('Function: pathPattern', () => {
    it('captures each parameter segment as the client encoded it', () => {
      // Act
      const match = pathPattern('/orders/{orderId}').exec('/orders/ord_%41B');

      // Assess
      expect(match?.slice(1)).toEqual(['ord_%41B']);
    });

    it('matches literal segments exactly, with nothing before or after', () => {
      // Prepare
      const pattern = pathPattern('/orders');

      // Assess
      expect(pattern.test('/orders')).toBe(true);
      expect(pattern.test('/orders/x')).toBe(false);
      expect(pattern.test('/v1/orders')).toBe(false);
      expect(pattern.test('/ordersx')).toBe(false);
    });

    it('takes a parameter from one non-empty segment only', () => {
      // Prepare
      const pattern = pathPattern('/orders/{orderId}');

      // Assess
      expect(pattern.test('/orders/')).toBe(false);
      expect(pattern.test('/orders/a/b')).toBe(false);
    });

    it('reads regular-expression characters in a literal segment as themselves', () => {
      expect(pathPattern('/a.b').test('/a.b')).toBe(true);
      expect(pathPattern('/a.b').test('/axb')).toBe(false);
    });
  });

  it('names a route by method and path template', () => {
    expect(routeKey(apiRoute('createOrder'))).toBe('POST /orders');
    expect(pathParameterNames(apiRoute('getOrder').path)).toEqual(['orderId']);
  });

  it('groups the routes by resource path, in the order of the table', () => {
    // Act
    const resources = apiResources();

    // Assess
    expect(resources.map((r) => [r.path, r.routes.map((route) => route.method)])).toEqual(
      [...new Set(API_ROUTES.map((route) => route.path))].map((path) => [
        path,
        API_ROUTES.filter((route) => route.path === path).map((route) => route.method),
      ]),
    );
  });

  it.each(API_ROUTES.map((route) => [routeKey(route), route]))(
    'the API Gateway emulator routes %s to the route of the table',
    (_key, route) => {
      // Prepare
      const path = route.path.replace(/\{[^}]+\}/g, 'ord_0123456789');

      // Act
      const match = matchRoute(path, route.method);

      // Assess
      expect(match).toMatchObject({ kind: 'found', method: route, resource: { path: route.path } });
    },
  );
});
