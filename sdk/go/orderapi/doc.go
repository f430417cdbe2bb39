// A production order-processing API platform on AWS (VPC, ECS Fargate, ALB, Aurora MySQL, WAF, observability) from one declaration.
package orderapi
