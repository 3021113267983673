/**
 * The jars a single-node Kafka broker runs on, pinned like a lockfile: Maven's resolution of
 * `org.apache.kafka:kafka_2.13` (runtime scope) plus `log4j-slf4j-impl` for its logs, each with the
 * SHA-1 that Maven Central publishes beside it (`<jar>.sha1`) and its size. They are fetched as plain
 * HTTPS files (local/maven-download.ts), so neither Maven nor a Kafka tarball is needed.
 *
 * On a Kafka upgrade (KAFKA_VERSION.local in lib/config.ts), list the new version's runtime jars
 * (the `libs/` folder of its release, or `mvn dependency:list` on any machine that has Maven) and
 * pin them with `npx tsx scripts/pin-kafka-jars.ts <group:artifact:version>...`; a unit test fails
 * while this list and KAFKA_VERSION.local disagree.
 */

export interface PinnedJar {
  /** `group:artifact:version`, as Maven names it. */
  readonly coordinates: string;
  /** Maven Central's published SHA-1 of the jar. */
  readonly sha1: string;
  readonly bytes: number;
}

export const MAVEN_CENTRAL = 'https://repo1.maven.org/maven2';

export const KAFKA_JARS = {
  kafkaVersion: '4.1.2',
  jars: [
    {
      coordinates: 'org.hdrhistogram:HdrHistogram:2.2.2',
      sha1: '7959933ebcc0f05b2eaa5af0a0c8689fa257b15c',
      bytes: 177_206,
    },
    {
      coordinates: 'net.sourceforge.argparse4j:argparse4j:0.7.0',
      sha1: '6f0621d0c3888de39e0f06d01f37ba53a798e657',
      bytes: 90_347,
    },
    {
      coordinates: 'com.github.ben-manes.caffeine:caffeine:3.2.0',
      sha1: '35eba09997476a39492ac7f7b2bb0e8292c09d17',
      bytes: 906_581,
    },
    {
      coordinates: 'commons-beanutils:commons-beanutils:1.11.0',
      sha1: 'ac03ea606d13de04c2e4508227680faff151f491',
      bytes: 246_806,
    },
    {
      coordinates: 'commons-collections:commons-collections:3.2.2',
      sha1: '8ad72fe39fa8c91eaaf12aadb21e0c3661fe26d5',
      bytes: 588_337,
    },
    {
      coordinates: 'commons-digester:commons-digester:2.1',
      sha1: '73a8001e7a54a255eef0f03521ec1805dc738ca0',
      bytes: 196_768,
    },
    {
      coordinates: 'commons-logging:commons-logging:1.3.5',
      sha1: 'a3fcc5d3c29b2b03433aa2d2f2d2c1b1638924a1',
      bytes: 73_737,
    },
    {
      coordinates: 'commons-validator:commons-validator:1.10.1',
      sha1: 'cdf5c2a69aad509c4db54786f19f1e1ccc471bcf',
      bytes: 203_132,
    },
    {
      coordinates: 'com.dynatrace.hash4j:hash4j:0.22.0',
      sha1: '2d61bfb5b38469cb76141b06dc68d36a9007e9ad',
      bytes: 316_573,
    },
    {
      coordinates: 'com.fasterxml.jackson.core:jackson-annotations:2.19.4',
      sha1: 'bbb09b1e7f7f5108890270eb701cb3ddef991c05',
      bytes: 79_311,
    },
    {
      coordinates: 'com.fasterxml.jackson.core:jackson-core:2.19.4',
      sha1: 'a720ca9b800742699e041c3890f3731fe516085e',
      bytes: 591_409,
    },
    {
      coordinates: 'com.fasterxml.jackson.core:jackson-databind:2.19.4',
      sha1: '7a39bf9257b726b90b80f27fa3f5174bc75162a5',
      bytes: 1_679_441,
    },
    {
      coordinates: 'com.fasterxml.jackson.dataformat:jackson-dataformat-csv:2.19.4',
      sha1: '84ffda878faf6e7b223eae0902b99ba720cbd7ca',
      bytes: 106_994,
    },
    {
      coordinates: 'com.fasterxml.jackson.dataformat:jackson-dataformat-yaml:2.19.4',
      sha1: '500956daea0869bf753b94fdaa77e5dc99847d79',
      bytes: 60_229,
    },
    {
      coordinates: 'com.fasterxml.jackson.datatype:jackson-datatype-jdk8:2.19.4',
      sha1: '90d304bcdb1a4bacb6f4347be625d75300973c60',
      bytes: 36_413,
    },
    {
      coordinates: 'net.sf.jopt-simple:jopt-simple:5.0.4',
      sha1: '4fdac2fbe92dfad86aa6e9301736f6b4342a3f5c',
      bytes: 78_146,
    },
    { coordinates: 'org.bitbucket.b_c:jose4j:0.9.6', sha1: '357a3836bb5da16f314f3a1e954518e5468cd915', bytes: 299_502 },
    { coordinates: 'org.jspecify:jspecify:1.0.0', sha1: '7425a601c1c7ec76645a78d22b8c6a627edee507', bytes: 3_819 },
    {
      coordinates: 'org.apache.kafka:kafka-clients:4.1.2',
      sha1: 'c40bae292ab9f94f6c41c17dfda5f365700a59ad',
      bytes: 9_769_826,
    },
    {
      coordinates: 'org.apache.kafka:kafka-coordinator-common:4.1.2',
      sha1: 'c42017d14a64649775b6bd8f162f95ea2f74b79d',
      bytes: 100_654,
    },
    {
      coordinates: 'org.apache.kafka:kafka-group-coordinator:4.1.2',
      sha1: '7bd1abdc1f2736aab4577b8a5f7fd883f148853f',
      bytes: 915_256,
    },
    {
      coordinates: 'org.apache.kafka:kafka-group-coordinator-api:4.1.2',
      sha1: 'c9343617234507bc3a3134fb1e1e3903bc84b0cb',
      bytes: 11_914,
    },
    {
      coordinates: 'org.apache.kafka:kafka-metadata:4.1.2',
      sha1: 'e06c93d2ad7f2085b042f346ea0ef19100d8a9ff',
      bytes: 840_858,
    },
    {
      coordinates: 'org.apache.kafka:kafka-raft:4.1.2',
      sha1: '5aa660c2afb206be3f0c09776a8f022ffb20e0ca',
      bytes: 309_751,
    },
    {
      coordinates: 'org.apache.kafka:kafka-server:4.1.2',
      sha1: '0fd8f6bef1c64a75dfe9db40451874816d4b9cc8',
      bytes: 219_116,
    },
    {
      coordinates: 'org.apache.kafka:kafka-server-common:4.1.2',
      sha1: '3d049c33f09c645b5d89eaec20e7eaf763ff4681',
      bytes: 371_073,
    },
    {
      coordinates: 'org.apache.kafka:kafka-share-coordinator:4.1.2',
      sha1: '54430843c4d06dc509b7a06d3b0fd28937ffdafe',
      bytes: 111_777,
    },
    {
      coordinates: 'org.apache.kafka:kafka-storage:4.1.2',
      sha1: 'a923e448793a31c827569ea9dd325388ca299cbf',
      bytes: 591_039,
    },
    {
      coordinates: 'org.apache.kafka:kafka-storage-api:4.1.2',
      sha1: '07328ded6e92523db9187c0a9e388a36faf97856',
      bytes: 26_987,
    },
    {
      coordinates: 'org.apache.kafka:kafka-tools-api:4.1.2',
      sha1: '8be790ea470c0cef2a7ce3e040e6249b49b85f2d',
      bytes: 9_072,
    },
    {
      coordinates: 'org.apache.kafka:kafka-transaction-coordinator:4.1.2',
      sha1: 'e802d23bdcfd4f68525aa61d3f7ba7eafda7c102',
      bytes: 50_504,
    },
    {
      coordinates: 'org.apache.kafka:kafka_2.13:4.1.2',
      sha1: 'e6295c75d4618792465187a097926470232a2963',
      bytes: 2_064_221,
    },
    {
      coordinates: 'org.apache.logging.log4j:log4j-api:2.25.3',
      sha1: 'fb385330d89c2d61058ef649403f214633569205',
      bytes: 350_610,
    },
    {
      coordinates: 'org.apache.logging.log4j:log4j-core:2.25.3',
      sha1: 'dd9c8ecba5c8dc5e1574804d0bfdc1ef155ad9ea',
      bytes: 2_018_402,
    },
    {
      coordinates: 'org.apache.logging.log4j:log4j-slf4j-impl:2.25.3',
      sha1: '4a173925524d8f6c3f39ae8954ee348e8244afd7',
      bytes: 25_390,
    },
    { coordinates: 'at.yawk.lz4:lz4-java:1.10.1', sha1: 'f541d7f910fe3d76f38f799c507c48cc81b12ecb', bytes: 910_232 },
    {
      coordinates: 'com.yammer.metrics:metrics-core:2.2.0',
      sha1: 'f82c035cfa786d3cbec362c38c22a5f5b1bc8724',
      bytes: 82_123,
    },
    {
      coordinates: 'org.pcollections:pcollections:4.0.2',
      sha1: 'c8398b4443deae11e6eaffbc04a371b4eb8f6b8e',
      bytes: 73_718,
    },
    { coordinates: 'com.google.re2j:re2j:1.8', sha1: '12c25e923e9e4fb1575a7640a2698745c6f19a94', bytes: 114_335 },
    {
      coordinates: 'org.scala-lang:scala-library:2.13.16',
      sha1: '9e064d9304904fd7b6bd2b55a9e601b8c1c9006e',
      bytes: 5_926_340,
    },
    {
      coordinates: 'com.typesafe.scala-logging:scala-logging_2.13:3.9.5',
      sha1: 'd5a0f61168371d8cff1c510f55407aa46bea8366',
      bytes: 61_858,
    },
    {
      coordinates: 'org.scala-lang:scala-reflect:2.13.16',
      sha1: '4958d4e43faf2d6d66f18ce2aa9a3e5ba141f87b',
      bytes: 3_801_119,
    },
    { coordinates: 'org.slf4j:slf4j-api:1.7.36', sha1: '6c62681a2f655b49963a5983b8b0950a6120ae14', bytes: 41_125 },
    { coordinates: 'org.yaml:snakeyaml:2.4', sha1: 'e0666b825b796f85521f02360e77f4c92c5a7a07', bytes: 339_825 },
    {
      coordinates: 'org.xerial.snappy:snappy-java:1.1.10.7',
      sha1: '3049f95640f4625a945cfab85715f603fa4c8f80',
      bytes: 2_338_496,
    },
    {
      coordinates: 'com.github.luben:zstd-jni:1.5.6-10',
      sha1: '7e146ecb598af55d1f64d1c118af27569a848558',
      bytes: 7_305_999,
    },
  ] satisfies PinnedJar[],
} as const;

function parts(coordinates: string): { group: string; artifact: string; version: string } {
  const [group, artifact, version, ...rest] = coordinates.split(':');
  if (!group || !artifact || !version || rest.length > 0) {
    throw new Error(`"${coordinates}" is not group:artifact:version`);
  }
  return { group, artifact, version };
}

/** `kafka_2.13-4.1.2.jar`: the name Maven gives the file. */
export function jarFileName(coordinates: string): string {
  const { artifact, version } = parts(coordinates);
  return `${artifact}-${version}.jar`;
}

/** The jar's address in a Maven repository laid out as Central is. */
export function jarUrl(coordinates: string, repository: string = MAVEN_CENTRAL): string {
  const { group, artifact, version } = parts(coordinates);
  return `${repository.replace(/\/+$/, '')}/${group.replaceAll('.', '/')}/${artifact}/${version}/${jarFileName(coordinates)}`;
}
