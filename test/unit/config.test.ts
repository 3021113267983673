import {
  BROKER_TYPES,
  ConfigError,
  loadConfig,
  type PipelineConfig,
  PROFILES,
  type ProvisionedClusterConfig,
  pollersFor,
  validateConfig,
} from '../../lib/config';

type Mutable<T> = { -readonly [K in keyof T]: T[K] extends object ? Mutable<T[K]> : T[K] };

/** A deep, writable copy of the dev profile. */
function devConfig(): Mutable<PipelineConfig> {
  const dev = PROFILES.dev;
  if (!dev) throw new Error('the dev profile is gone');
  return structuredClone(dev) as Mutable<PipelineConfig>;
}

/** A deep, writable copy of the dev profile's provisioned cluster, and the config holding it. */
function devWithCluster(): { config: Mutable<PipelineConfig>; cluster: Mutable<ProvisionedClusterConfig> } {
  const config = devConfig();
  if (config.cluster.mode !== 'provisioned') throw new Error('the dev profile is not provisioned');
  return { config, cluster: config.cluster as Mutable<ProvisionedClusterConfig> };
}

describe('Function: loadConfig', () => {
  it.each(['dev', 'prod', 'dev-serverless'])('loads the %s profile as it is defined', (profile) => {
    // Act
    const config = loadConfig(profile);

    // Assess
    expect(config).toEqual(PROFILES[profile]);
    expect(config.profile).toBe(profile);
  });

  it('throws a ConfigError for an unknown profile, naming the known ones', () => {
    // Act & Assess
    expect(() => loadConfig('staging')).toThrow(ConfigError);
    expect(() => loadConfig('staging')).toThrow(
      'Invalid deployment config: profile "staging" is not a known profile. Fix: pass one of dev, prod, dev-serverless with -c profile=<name>',
    );
  });

  it('derives the three zones of an overriding region', () => {
    // Act
    const config = loadConfig('dev', { region: 'us-east-1' });

    // Assess
    expect(config.region).toBe('us-east-1');
    expect(config.availabilityZones).toEqual(['us-east-1a', 'us-east-1b', 'us-east-1c']);
  });

  it('keeps the profile zones when the region override is the profile region', () => {
    // Act
    const config = loadConfig('prod', { region: 'eu-west-1' });

    // Assess
    expect(config.availabilityZones).toEqual(['eu-west-1a', 'eu-west-1b', 'eu-west-1c']);
  });

  it('takes explicit zones over derived ones', () => {
    // Act
    const config = loadConfig('dev', {
      region: 'us-east-1',
      availabilityZones: ['us-east-1b', 'us-east-1d', 'us-east-1f'],
    });

    // Assess
    expect(config.availabilityZones).toEqual(['us-east-1b', 'us-east-1d', 'us-east-1f']);
  });

  it('validates the overridden result', () => {
    // Act & Assess
    expect(() => loadConfig('dev', { availabilityZones: ['us-east-1a', 'us-east-1b', 'us-east-1c'] })).toThrow(
      /availabilityZones contains "us-east-1a", which is not a zone of eu-west-1\. Fix: name zones of the region/,
    );
  });

  it('leaves the profile itself unchanged by an override', () => {
    // Prepare
    const before = structuredClone(PROFILES.dev);

    // Act
    loadConfig('dev', { region: 'ap-southeast-2' });

    // Assess
    expect(PROFILES.dev).toEqual(before);
  });
});

describe('Function: validateConfig', () => {
  it.each(Object.keys(PROFILES))('accepts the %s profile unchanged', (profile) => {
    // Prepare
    const config = PROFILES[profile] as PipelineConfig;

    // Act & Assess
    expect(() => validateConfig(config)).not.toThrow();
  });

  describe('pollers', () => {
    it('rejects pollers.max above the partition count, naming the setting and the fix', () => {
      // Prepare
      const config = devConfig();
      config.partitions = 3;
      config.pollers = { min: 1, max: 4 };

      // Act & Assess
      expect(() => validateConfig(config)).toThrow(ConfigError);
      expect(() => validateConfig(config)).toThrow(
        /profile "dev": pollers\.max \(4\) is above the partition count \(3\).*Fix: lower pollers\.max to 3 or raise partitions to 4/,
      );
    });

    it('rejects pollers.min of 0', () => {
      // Prepare
      const config = devConfig();
      config.pollers = { min: 0, max: 1 };

      // Act & Assess
      expect(() => validateConfig(config)).toThrow(
        /profile "dev": pollers\.min is 0\. Fix: use a whole number from 1 to 200/,
      );
    });

    it('rejects pollers.max below pollers.min', () => {
      // Prepare
      const config = devConfig();
      config.partitions = 6;
      config.pollers = { min: 3, max: 2 };

      // Act & Assess
      expect(() => validateConfig(config)).toThrow(
        /pollers\.max \(2\) is below min \(3\)\. Fix: raise max or lower min/,
      );
    });

    it('checks a per-service override the same way, naming the service', () => {
      // Prepare
      const config = devConfig();
      config.partitions = 3;
      config.pollerOverrides = { payment: { min: 1, max: 5 } };

      // Act & Assess
      expect(() => validateConfig(config)).toThrow(
        /pollerOverrides\.payment\.max \(5\) is above the partition count \(3\).*Fix: lower pollers\.max to 3/,
      );
    });
  });

  describe('cluster', () => {
    it('rejects a replicationFactor above brokerCount', () => {
      // Prepare
      const { config, cluster } = devWithCluster();
      cluster.replicationFactor = 4;

      // Act & Assess
      expect(() => validateConfig(config)).toThrow(
        /cluster\.replicationFactor \(4\) is above cluster\.brokerCount \(3\)\. Fix: lower replicationFactor to at most 3 or add brokers/,
      );
    });

    it.each([4, 5, 2])('rejects a brokerCount of %d, not a multiple of the 3 zones', (brokerCount) => {
      // Prepare
      const { config, cluster } = devWithCluster();
      cluster.brokerCount = brokerCount;

      // Act & Assess
      expect(() => validateConfig(config)).toThrow(
        new RegExp(
          `cluster\\.brokerCount \\(${brokerCount}\\) is not a multiple of the 3 availability zones\\. Fix: use 3, 6, \\.\\.\\.`,
        ),
      );
    });

    it('accepts a brokerCount of 6', () => {
      // Prepare
      const { config, cluster } = devWithCluster();
      cluster.brokerCount = 6;

      // Act & Assess
      expect(() => validateConfig(config)).not.toThrow();
    });

    it('rejects an unknown brokerType, listing the supported ones', () => {
      // Prepare
      const { config, cluster } = devWithCluster();
      (cluster as { brokerType: string }).brokerType = 'kafka.t2.micro';

      // Act & Assess
      expect(() => validateConfig(config)).toThrow(
        /cluster\.brokerType "kafka\.t2\.micro" is not a supported MSK Standard broker type\. Fix: use one of kafka\.t3\.small, /,
      );
      expect(() => validateConfig(config)).toThrow(BROKER_TYPES.join(', '));
    });

    it.each([3, 4])('rejects a minInsyncReplicas of %d with replicationFactor 3', (minInsyncReplicas) => {
      // Prepare
      const { config, cluster } = devWithCluster();
      cluster.minInsyncReplicas = minInsyncReplicas;

      // Act & Assess
      expect(() => validateConfig(config)).toThrow(
        new RegExp(
          `cluster\\.minInsyncReplicas \\(${minInsyncReplicas}\\) must be at least 1 and below replicationFactor \\(3\\).*Fix: use 2`,
        ),
      );
    });
  });

  describe('region and zones', () => {
    it('rejects two zones, asking for exactly three', () => {
      // Prepare
      const config = devConfig();
      config.availabilityZones = ['eu-west-1a', 'eu-west-1b'];

      // Act & Assess
      expect(() => validateConfig(config)).toThrow(
        /profile "dev": availabilityZones has 2 zones\. Fix: list exactly three zones/,
      );
    });

    it('rejects a zone of another region', () => {
      // Prepare
      const config = devConfig();
      config.availabilityZones = ['eu-west-1a', 'eu-west-1b', 'eu-central-1c'];

      // Act & Assess
      expect(() => validateConfig(config)).toThrow(
        /availabilityZones contains "eu-central-1c", which is not a zone of eu-west-1\. Fix: name zones of the region, e\.g\. eu-west-1a/,
      );
    });

    it('rejects a zone of a region that shares its prefix', () => {
      // Prepare
      const config = devConfig();
      config.region = 'us-east-1';
      config.availabilityZones = ['us-east-1a', 'us-east-1b', 'us-east-12a'];

      // Act & Assess
      expect(() => validateConfig(config)).toThrow(/availabilityZones contains "us-east-12a".*Fix:/);
    });

    it('rejects a region name that is not one', () => {
      // Prepare
      const config = devConfig();
      config.region = 'Ireland';

      // Act & Assess
      expect(() => validateConfig(config)).toThrow(
        /region "Ireland" is not an AWS region name\. Fix: use e\.g\. eu-west-1/,
      );
    });
  });

  describe('api and partitions', () => {
    it('rejects a throttleBurst below the rate', () => {
      // Prepare
      const config = devConfig();
      config.api = { throttleRatePerSecond: 50, throttleBurst: 49 };

      // Act & Assess
      expect(() => validateConfig(config)).toThrow(
        /api\.throttleBurst \(49\) is below api\.throttleRatePerSecond \(50\)\. Fix: set the burst at least as high as the steady rate/,
      );
    });

    it('accepts a throttleBurst equal to the rate', () => {
      // Prepare
      const config = devConfig();
      config.api = { throttleRatePerSecond: 50, throttleBurst: 50 };

      // Act & Assess
      expect(() => validateConfig(config)).not.toThrow();
    });

    it.each([0, 1.5])('rejects %d partitions', (partitions) => {
      // Prepare
      const config = devConfig();
      config.partitions = partitions;

      // Act & Assess
      expect(() => validateConfig(config)).toThrow(
        new RegExp(`partitions is ${partitions}\\. Fix: use a whole number of at least 1`),
      );
    });

    it('rejects 0 dead-letter partitions', () => {
      // Prepare
      const config = devConfig();
      config.deadLetterPartitions = 0;

      // Act & Assess
      expect(() => validateConfig(config)).toThrow(/deadLetterPartitions is 0\. Fix: use a whole number of at least 1/);
    });
  });
});

describe('Function: pollersFor', () => {
  it('gives a service its override, and every other service the profile pollers', () => {
    // Prepare
    const config = devConfig();
    config.partitions = 6;
    config.pollerOverrides = { order: { min: 2, max: 6 } };

    // Act
    const order = pollersFor(config, 'order');
    const payment = pollersFor(config, 'payment');

    // Assess
    expect(order).toEqual({ min: 2, max: 6 });
    expect(payment).toEqual({ min: 1, max: 1 });
  });
});

describe('Function: loadConfig and validateConfig edge cases', () => {
  it.each(['toString', 'constructor', '__proto__'])('treats the inherited member %s as an unknown profile', (name) => {
    expect(() => loadConfig(name)).toThrow(/is not a known profile/);
  });

  it('refuses a fractional pollers.max', () => {
    const config = devConfig();
    config.pollers = { min: 1, max: 1.5 };
    expect(() => validateConfig(config)).toThrow(/pollers\.max is 1\.5\. Fix: use a whole number/);
  });

  it('refuses a replication factor of 1 and says to raise it', () => {
    const { config, cluster } = devWithCluster();
    cluster.replicationFactor = 1;
    cluster.minInsyncReplicas = 1;
    expect(() => validateConfig(config)).toThrow(/cluster\.replicationFactor \(1\) leaves no copy.*Fix: use 3/);
  });
});

describe('Function: loadConfig, alarm settings', () => {
  it('takes an alarm email from the overrides and leaves it out otherwise', () => {
    expect(loadConfig('dev', { alarmEmail: 'ops@example.com' }).alarmEmail).toBe('ops@example.com');
    expect(loadConfig('dev').alarmEmail).toBeUndefined();
  });

  it('refuses an alarm email that is not an address, naming the setting and the fix', () => {
    expect(() => loadConfig('prod', { alarmEmail: 'ops-at-example.com' })).toThrow(
      'Invalid deployment config: profile "prod": alarmEmail "ops-at-example.com" is not an email address. Fix: pass one address, e.g. -c alarmEmail=ops@example.com, or leave it out',
    );
  });

  it('refuses a lag-not-reported window that is not whole periods', () => {
    const config = devConfig();
    config.alarms = { ...config.alarms, lagNotReportedMinutes: 12 };
    expect(() => validateConfig(config)).toThrow(
      /alarms\.lagNotReportedMinutes is 12\. Fix: use a multiple of 5 minutes/,
    );
  });
});
